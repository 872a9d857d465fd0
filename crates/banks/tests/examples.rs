//! Every bank's example, run as users run it (`--base-url`), against the sandbox in-process:
//! each must finish its whole flow and print its last step. Cargo builds a package's examples
//! before its integration tests, next to this test's binary.

use std::path::PathBuf;
use std::process::Command;

use bank_sandbox::spec::Bank;
use bank_sandbox::{Config, Sandbox};

fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe()
        .expect("test binary")
        .parent()
        .expect("deps dir")
        .to_path_buf();
    let path = deps
        .parent()
        .expect("profile dir")
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: cargo builds examples before integration tests",
        path.display()
    );
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn each_example_runs_its_whole_flow_against_the_sandbox() {
    let sandbox = Sandbox::start(
        Config::default(),
        "127.0.0.1:0".parse().expect("addr"),
        None,
    )
    .await
    .expect("sandbox");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let cases = [
        ("globus", Bank::Globus, "paid: true"),
        ("broker", Bank::Broker, "→ APPROVED"),
        ("financial", Bank::Financial, "closing balance"),
        ("baas", Bank::Baas, "monthly payment 100000"),
    ];
    for (name, bank, last) in cases {
        let binary = example(name);
        let base = sandbox.base_url(bank);
        let output = tokio::task::spawn_blocking(move || {
            Command::new(binary)
                .args(["--base-url", &base])
                .current_dir(root)
                .output()
        })
        .await
        .expect("joined")
        .expect("the example runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{name} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains(last),
            "{name} did not reach `{last}`:\n{stdout}"
        );
    }
    sandbox.stop().await;
}
