//! BCC Smart Online Broker flow: offer the products for a purchase, create an order and send the
//! customer to the bank's page, then read the postLink the bank sends back.
//!
//! ```sh
//! cargo run -p bank-sandbox &
//! cargo run -p banks --example broker -- --base-url http://127.0.0.1:8080/bcc-broker
//! ```
//! (`--token-url` defaults to the sandbox's token route under `--base-url`; the bank's own is in the spec.)

pub mod common;

use banks::bcc::broker::types::OrdersRequestBody;
use banks::{ClientCredentials, Environment};

const USAGE: &str = "usage: broker --base-url URL [--token-url URL] [--client-id ID] [--client-secret S] [--partner SHOP] [--amount 300000] [--post-link URL]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(common::Args::parse(USAGE)).await
}

/// The whole flow; `Ok` only when every step succeeded (a test runs it against the sandbox).
pub async fn run(args: common::Args) -> Result<(), Box<dyn std::error::Error>> {
    let base = args.base_url();
    let broker = banks::bcc::Broker::builder()
        .credentials(ClientCredentials::new(
            args.get("client-id", "sandbox-client"),
            args.get("client-secret", "sandbox-secret"),
        ))
        .environment(Environment::Custom(base.clone()))
        .token_url(args.get(
            "token-url",
            &format!("{base}{}", bank_sandbox::spec::Bank::Broker.token_path().unwrap_or_default()),
        ))
        .build()?;
    let (partner, amount) = (args.get("partner", "SHOP"), args.get("amount", "300000"));

    common::step(1, &format!("products for {partner}, amount {amount}"));
    let products = broker
        .get_products()
        .partner(&partner)
        .amount(&amount)
        .bank()
        .await?;
    for p in &products.products {
        println!(
            "   {:<10} {:<22} {:>2} months, {} per month",
            p.product_code, p.name, p.period, p.monthly_payment
        );
    }
    let chosen = products
        .products
        .first()
        .ok_or("the bank offers no product")?;

    // The bank POSTs its decision to the order's postLink: listen for it here (or pass your own
    // public URL with --post-link and handle it in your service).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let post_link_url = args.get(
        "post-link",
        &format!("http://{}/post-link", listener.local_addr()?),
    );

    common::step(
        2,
        &format!(
            "create an order with {}, postLink {post_link_url}",
            chosen.product_code
        ),
    );
    let order = OrdersRequestBody::builder()
        .amount(amount.parse::<banks::Decimal>()?)
        .language("ru".to_owned())
        .name("Смартфон".to_owned())
        .partner_code(partner)
        .partner_order_id(format!("EXAMPLE-{}", std::process::id()))
        .point_code("POS-1".to_owned())
        .pos_name("Магазин".to_owned())
        .product_code(chosen.product_code.clone())
        .post_link(Some(post_link_url.clone()));
    let created = broker.orders().body(order).bank().await?;
    println!("   send the customer to {}", created.redirect_link);
    println!(
        "   (pre-approval {}, valid until {})",
        created.preapp_id, created.expires_at
    );

    common::step(3, "wait for the bank's postLink");
    let body =
        tokio::time::timeout(std::time::Duration::from_secs(30), receive_one(listener)).await??;
    let post_link = banks::bcc::parse_callback(&body)?;
    println!(
        "   {} → {} ({}), {} months of {}",
        post_link.reference_id,
        post_link.state,
        post_link.state_title,
        post_link.loan_length,
        post_link.product_code
    );
    Ok(())
}

/// Accept one HTTP request, answer 200 and return its body.
async fn receive_one(listener: tokio::net::TcpListener) -> std::io::Result<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut socket, _) = listener.accept().await?;
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await?;
                return Ok(data[end + 4..end + 4 + length].to_vec());
            }
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "the connection closed before a whole request",
    ))
}
