//! The sandbox's web console (`/_sandbox/ui`) in a real browser: headless Chromium over
//! WebDriver ([`browser`]), the facade's clients against the sandbox in-process. A Globus order
//! made through the facade appears in the orders table without a reload, its page shows its
//! history, and the page's forms steer the sandbox: a decline the facade then meets, a callback
//! URL that fails twice before a retry gets through, the clock moved forward. A customer name
//! made of markup is shown as text.
//!
//! `screenshots_of_every_page` also writes each page as a PNG: to a temporary folder, or to
//! `BANK_CONSOLE_SCREENSHOTS` (`cargo xtask screenshots` points it at `crates/sandbox/docs/`).
//!
//! Every wait polls the page for what it expects, bounded by `browser::DEADLINE`; none sleeps.

mod browser;
mod common;

use bank_sandbox::config::CallbackConfig;
use bank_sandbox::{Config, Sandbox};
use banks::globus::cfront::types::OrderIdRequest;
use banks::globus::cfront::types::OrderStatus as S;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use bank_testkit::bodies::globus_order as order;
use bank_testkit::sandbox::{globus, start as sandbox};
use browser::Browser;
use common::wait_for;

/// A customer name a careless page would run as markup.
const MARKUP_NAME: &str = "<script>document.title='pwned'</script><b>Bold</b> Клієнт";

/// Exchanges recorded (the resource page shows them), and three attempts per callback (so a
/// URL made to fail twice still gets its callback).
fn config() -> Config {
    Config {
        record_exchanges: true,
        callbacks: CallbackConfig {
            attempts: 3,
            retry_delay_ms: 10,
            ..CallbackConfig::default()
        },
        ..Config::default()
    }
}

/// A merchant that answers every callback with 200.
async fn merchant() -> MockServer {
    let merchant = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/callback"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&merchant)
        .await;
    merchant
}

fn ui(s: &Sandbox, page: &str) -> String {
    format!("{}/_sandbox/ui{page}", s.url())
}

/// Log the browser in with the sandbox's admin token.
async fn login(b: &Browser, s: &Sandbox) {
    b.goto(&ui(s, "")).await;
    // Not logged in: the console sends the browser to its login form.
    b.fill("#token", s.admin_token()).await;
    b.click("#login button").await;
    b.wait_text("h1", "the overview", |t| t == "Overview").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_globus_order_is_seen_and_steered_from_the_console() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let started = std::time::Instant::now();
    let s = sandbox(config()).await;
    let merchant = merchant().await;
    let callback = format!("{}/callback", merchant.uri());
    let c = globus(&s);
    login(&b, &s).await;

    // The orders table, open before the order exists: the order appears without a reload.
    b.goto(&ui(&s, "/api/globus-cfront")).await;
    b.wait("#resources").await;
    let created = c
        .create_order()
        .body(
            order("SHOP-1", "380501234567", "24999.90", Some(callback.clone()))
                .full_name(MARKUP_NAME.to_owned()),
        )
        .bank()
        .await
        .expect("created");
    let row = format!("#resources tr[data-id='{}']", created.order_id);
    b.wait(&row).await;
    b.wait_text(&format!("{row} td:nth-child(4)"), "a status", |t| {
        !t.is_empty()
    })
    .await;
    let amount = b
        .wait_text(&format!("{row} td.num"), "the amount", |t| !t.is_empty())
        .await;
    assert_eq!(amount, "24999.90");
    // The name is text: the markup shows as written, and the page holds no element of it.
    let name = b
        .wait_text(&format!("{row} .name"), "the name", |t| !t.is_empty())
        .await;
    assert_eq!(name, MARKUP_NAME);
    assert_eq!(b.count("#resources b, #resources script").await, 0);
    assert_ne!(b.client.title().await.expect("a title"), "pwned");

    // Its page: the history of its statuses as the bank decides, the exchange that created it,
    // the callbacks sent for it.
    b.click(&format!("{row} a.id")).await;
    b.wait_text("#status", "the bank's approval", |t| {
        t == "WAITING_FOR_STORE_CONFIRM"
    })
    .await;
    b.wait_text("#history", "every status so far", |t| {
        ["NEW", "IN_PROGRESS", "WAITING_FOR_STORE_CONFIRM"]
            .iter()
            .all(|s| t.contains(s))
    })
    .await;
    assert_eq!(
        b.wait_text("#name", "the name", |t| !t.is_empty()).await,
        MARKUP_NAME
    );
    b.wait_text("#exchanges", "the creating request", |t| {
        t.contains("POST /api/order/create")
    })
    .await;
    b.wait_text("#deliveries", "two callbacks delivered", |t| {
        t.matches("delivered (200)").count() == 2
    })
    .await;

    // Make this order's callback URL (the form is filled with it) fail twice, from the page.
    b.fill("#form-callback-failure input[name=times]", "2")
        .await;
    b.click("#form-callback-failure button").await;
    b.wait_text("#notice", "the action done", |t| {
        t.contains("the next 2 callbacks") && t.contains(&callback)
    })
    .await;
    // The merchant confirms: the next callbacks fail twice, and a retry gets through.
    c.confirm_order()
        .body(OrderIdRequest::builder().order_id(created.order_id.clone()))
        .bank()
        .await
        .expect("confirmed");
    wait_for(&s, &c, &created.order_id, &[S::Active]).await;
    b.goto(&ui(&s, "/deliveries")).await;
    b.wait_text(
        "#deliveries",
        "two failures and the retry that followed",
        |t| {
            t.matches("failed as a test asked").count() == 2
                && t.matches("delivered (200)").count() == 4
        },
    )
    .await;
    let failed = b.count("#deliveries tr.failed td.attempt").await;
    assert_eq!(failed, 2);
    let retried = b.texts("#deliveries tr.delivered td.attempt").await;
    assert!(
        retried.iter().any(|a| a != "1"),
        "a delivery on a retry: attempts {retried:?}"
    );

    // Decline the next order from the steering page: the facade meets the decline.
    b.goto(&ui(&s, "/steering")).await;
    b.select("#form-decline select[name=bank]", "globus-cfront")
        .await;
    b.fill("#form-decline input[name=key]", "SHOP-2").await;
    b.click("#form-decline button").await;
    b.wait_text("#notice", "the decline set", |t| t.contains("SHOP-2"))
        .await;
    b.wait_text("#declines", "the decline listed", |t| t.contains("SHOP-2"))
        .await;
    let next = c
        .create_order()
        .body(order("SHOP-2", "380501234568", "100.00", None))
        .bank()
        .await
        .expect("created");
    let decided = wait_for(
        &s,
        &c,
        &next.order_id,
        &[S::RejectedByBank, S::WaitingForStoreConfirm],
    )
    .await;
    assert_eq!(decided.status, S::RejectedByBank);

    // Advance the clock from the page.
    b.fill("#form-clock input[name=amount]", "2").await;
    b.select("#form-clock select[name=unit]", "hours").await;
    b.click("#form-clock button").await;
    b.wait_text("#notice", "the clock moved", |t| t.contains("2 hours"))
        .await;
    b.wait_text("#live .clock", "the clock two hours ahead", |t| {
        t.contains("(2 h ahead of the system's)")
    })
    .await;
    // The sandbox's own clock moved: the declined order's last change is now in the past by
    // two hours of it, as a new order's first status shows.
    let later = c
        .create_order()
        .body(order("SHOP-3", "380501234569", "100.00", None))
        .bank()
        .await
        .expect("created");
    let (first, then) = s.inspect(|st| {
        (
            st.globus.orders[&created.order_id].history[0].at_ms,
            st.globus.orders[&later.order_id].history[0].at_ms,
        )
    });
    assert!(then - first >= 2 * 3600 * 1000, "{first} → {then}");

    b.close().await;
    s.stop().await;
    eprintln!("console browser test: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_every_page() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let dir = std::env::var_os("BANK_CONSOLE_SCREENSHOTS").map(std::path::PathBuf::from);
    let scratch = bank_testkit::tempdir().expect("a temporary folder");
    let dir = dir.unwrap_or_else(|| scratch.path().to_owned());
    std::fs::create_dir_all(&dir).expect("the screenshots' folder");
    let s = sandbox(config()).await;
    let merchant = merchant().await;
    let callback = format!("{}/callback", merchant.uri());
    let c = globus(&s);

    b.goto(&ui(&s, "/login")).await;
    b.wait("#token").await;
    let mut shots = vec![("login", b.screenshot().await)];
    login(&b, &s).await;

    // A few orders: one paid after two failed callbacks, one declined, one under way.
    s.steer()
        .fail_callbacks(callback.clone(), 2)
        .expect("steered");
    s.steer()
        .decline(bank_sandbox::spec::Bank::Globus, "SHOP-DECLINED")
        .expect("steered");
    let paid = c
        .create_order()
        .body(order(
            "SHOP-PAID",
            "380501234567",
            "24999.90",
            Some(callback.clone()),
        ))
        .bank()
        .await
        .expect("created");
    wait_for(&s, &c, &paid.order_id, &[S::WaitingForStoreConfirm]).await;
    c.confirm_order()
        .body(OrderIdRequest::builder().order_id(paid.order_id.clone()))
        .bank()
        .await
        .expect("confirmed");
    wait_for(&s, &c, &paid.order_id, &[S::Active]).await;
    let declined = c
        .create_order()
        .body(order(
            "SHOP-DECLINED",
            "380501234568",
            "5400.00",
            Some(callback.clone()),
        ))
        .bank()
        .await
        .expect("created");
    wait_for(&s, &c, &declined.order_id, &[S::RejectedByBank]).await;
    c.create_order()
        .body(order("SHOP-NEW", "380501234569", "129.00", None).full_name(MARKUP_NAME.to_owned()))
        .bank()
        .await
        .expect("created");
    s.steer()
        .fault(
            bank_sandbox::steer::Fault::on(bank_sandbox::spec::Bank::Financial)
                .operation("create_payment")
                .status(503)
                .once(),
        )
        .expect("steered");

    for (name, page, ready) in [
        ("overview", String::new(), "#apis"),
        ("orders", "/api/globus-cfront".to_owned(), "#resources"),
        (
            "order",
            format!("/api/globus-cfront/{}", paid.order_id),
            "#history",
        ),
        ("deliveries", "/deliveries".to_owned(), "#deliveries"),
        ("steering", "/steering".to_owned(), "#faults"),
    ] {
        b.goto(&ui(&s, &page)).await;
        b.wait(ready).await;
        shots.push((name, b.screenshot().await));
    }
    for (name, png) in shots {
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}: a PNG");
        let file = dir.join(format!("console-{name}.png"));
        std::fs::write(&file, png).expect("written");
        eprintln!("wrote {}", file.display());
    }
    b.close().await;
    s.stop().await;
}
