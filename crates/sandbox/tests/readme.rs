//! The README's steering example, run: `xtask/tests/readme.rs` checks that the README shows the
//! lines between the `README` markers below as they are.

use std::time::Duration;

use bank_sandbox::{Config, Sandbox};

#[tokio::test]
async fn the_readmes_steering_example_runs() -> Result<(), Box<dyn std::error::Error>> {
    let addr = "127.0.0.1:0".parse()?;
    let sandbox = Sandbox::start(Config::default(), addr, None).await?;
    // README: begin
    use bank_sandbox::spec::Bank;
    use bank_sandbox::steer::Fault;

    // The next `create_payment` gets a 503 (operations by the client's method name or operationId).
    let fault = sandbox.steer().fault(
        Fault::on(Bank::Financial)
            .operation("create_payment")
            .status(503)
            .once(),
    )?;
    // Every request of one client waits 2 s (BCC client id, Globus login, BaaS user).
    sandbox.steer().fault(
        Fault::on(Bank::Globus)
            .client("sandbox-merchant")
            .latency(Duration::from_secs(2)),
    )?;
    // The next order is created, but its answer never reaches the client (then: resend, and audit).
    sandbox.steer().fault(
        Fault::on(Bank::Globus)
            .operation("create_order")
            .drop_after_commit()
            .once(),
    )?;
    // The token endpoint is down (503), or never answers (`.hang()`); BaaS's `get_token` is the same.
    sandbox
        .steer()
        .fault(Fault::on(Bank::Financial).token().status(503))?;
    // The bank declines this order (Globus: order id, merchant order id or phone; broker: partner
    // order id; BaaS: application id or PINFL).
    sandbox.steer().decline(Bank::Globus, "SHOP-1")?;
    // The next two callbacks or postLinks to this URL fail (see `[callbacks] attempts` below).
    sandbox
        .steer()
        .fail_callbacks("http://127.0.0.1:3000/callback", 2)?;
    // How many requests a fault met (the client's next `create_payment` makes it 1).
    assert_eq!(sandbox.steer().hits(fault), 0);
    sandbox.steer().clear();
    // README: end
    sandbox.stop().await;
    Ok(())
}
