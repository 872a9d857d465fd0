//! Load check: 1,000 concurrent Globus order flows (validate → create → wait for the bank's
//! approval → confirm → wait for the payout → check paid) through the `banks` facade against the
//! sandbox on loopback. Prints throughput and latency percentiles; fails if any order is lost,
//! duplicated or ends in an error.
//!
//! `cargo bench -p e2e --bench globus_load [-- FLOWS]`

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use bank_sandbox::Config;
use banks::globus::cfront;
use cfront::types::{OrderIdRequest, OrderStatus};

/// One flow's outcome: the bank's order id and every call's latency.
type Flow = Result<(String, Vec<Duration>), String>;

async fn flow(client: cfront::Client, n: usize) -> Flow {
    let mut latencies = Vec::new();
    macro_rules! timed {
        ($call:expr) => {{
            let started = Instant::now();
            let out = $call.bank().await.map_err(|e| format!("flow {n}: {e}"))?;
            latencies.push(started.elapsed());
            out
        }};
    }
    let phone = format!("38050{:07}", 1_000_000 + n);
    timed!(
        client
            .validate_client()
            .body(cfront::types::ClientValidateRequest::builder().phone_number(phone.clone()))
    );
    let amount: banks::Decimal = format!("{}.{:02}", 1000 + n, n % 100)
        .parse()
        .map_err(|e| format!("{e}"))?;
    let order = cfront::types::OrderCreateRequest::builder()
        .merchant_order_id(format!("LOAD-{n}"))
        .phone_number(phone)
        .full_name("Навантажувальний Тест".to_owned())
        .identification_code("1234567890".to_owned())
        .sales_point_code("LOAD".to_owned())
        .credit_product_name("Розстрочка".to_owned())
        .credit_term(std::num::NonZeroU32::new(6).ok_or("term")?)
        .total_amount(amount)
        .goods(vec![
            cfront::types::Good::builder()
                .name("Товар")
                .price(amount)
                .quantity(std::num::NonZeroU32::new(1).ok_or("qty")?)
                .try_into()
                .map_err(|e| format!("a good: {e}"))?,
        ]);
    let created = timed!(client.create_order().body(order));
    let id = created.order_id;
    // A guard against a hung flow, not a timing expectation: a busy machine only makes it slower.
    let flow_started = Instant::now();
    for wanted in [OrderStatus::WaitingForStoreConfirm, OrderStatus::Active] {
        loop {
            let state = timed!(
                client
                    .get_order_state()
                    .body(OrderIdRequest::builder().order_id(id.clone()))
            );
            if state.status == wanted {
                break;
            }
            if !matches!(
                state.status,
                OrderStatus::New | OrderStatus::InProgress | OrderStatus::StoreConfirmed
            ) || flow_started.elapsed() > Duration::from_secs(120)
            {
                return Err(format!(
                    "flow {n}: order {id} is {:?}, waiting for {wanted:?}",
                    state.status
                ));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if wanted == OrderStatus::WaitingForStoreConfirm {
            timed!(
                client
                    .confirm_order()
                    .body(OrderIdRequest::builder().order_id(id.clone()))
            );
        }
    }
    let paid = timed!(
        client
            .check_order_paid()
            .body(OrderIdRequest::builder().order_id(id.clone()))
    );
    if !paid.paid {
        return Err(format!("flow {n}: order {id} is not paid"));
    }
    Ok((id, latencies))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this as a smoke test.
    let bench = std::env::args().any(|a| a == "--bench");
    let flows: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if bench { 1000 } else { 50 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let sandbox = bank_testkit::sandbox::start(Config::default()).await;
        let client = bank_testkit::sandbox::globus(&sandbox);
        let started = Instant::now();
        let tasks: Vec<_> = (0..flows)
            .map(|n| tokio::spawn(flow(client.clone(), n)))
            .collect();
        let mut ids = Vec::new();
        let mut latencies = Vec::new();
        let mut errors = Vec::new();
        for task in tasks {
            match task.await {
                Ok(Ok((id, l))) => {
                    ids.push(id);
                    latencies.extend(l);
                }
                Ok(Err(e)) => errors.push(e),
                Err(e) => errors.push(format!("task: {e}")),
            }
        }
        let elapsed = started.elapsed();
        latencies.sort();
        let unique: BTreeSet<&String> = ids.iter().collect();
        let (stored, active) = sandbox.inspect(|s| {
            (
                s.globus.orders.len(),
                s.globus
                    .orders
                    .values()
                    .filter(|o| o.status == OrderStatus::Active)
                    .count(),
            )
        });
        println!(
            "{flows} concurrent Globus flows through the facade against the sandbox on loopback"
        );
        println!(
            "  completed {} in {:.2} s: {:.0} flows/s, {:.0} requests/s ({} requests)",
            ids.len(),
            elapsed.as_secs_f64(),
            ids.len() as f64 / elapsed.as_secs_f64(),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            latencies.len()
        );
        if !latencies.is_empty() {
            println!(
                "  request latency: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                percentile(&latencies, 0.50).as_secs_f64() * 1e3,
                percentile(&latencies, 0.90).as_secs_f64() * 1e3,
                percentile(&latencies, 0.99).as_secs_f64() * 1e3,
                latencies
                    .last()
                    .map(|d| d.as_secs_f64() * 1e3)
                    .unwrap_or_default()
            );
        }
        println!(
            "  orders: {} returned, {} distinct, {} stored by the sandbox, {} ACTIVE; {} errors",
            ids.len(),
            unique.len(),
            stored,
            active,
            errors.len()
        );
        sandbox.stop().await;
        for e in errors.iter().take(10) {
            eprintln!("  error: {e}");
        }
        assert!(errors.is_empty(), "{} flows failed", errors.len());
        assert_eq!(unique.len(), flows, "an order was lost or duplicated");
        assert_eq!(
            (stored, active),
            (flows, flows),
            "the sandbox holds exactly one ACTIVE order per flow"
        );
    });
}
