//! The `--state` file: one sandbox per file (a second refuses to start, naming the lock), written
//! for its owner only, and never broken by a crash: the sandbox binary is killed with SIGKILL
//! while it writes its state over and over, and the file left behind always parses (the old
//! version or the new one), and the next sandbox takes the file over.

mod common;

use common::HANG_GUARD;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use bank_sandbox::spec::Bank;
use bank_sandbox::{Config, Sandbox};
use tokio::io::{AsyncBufReadExt, BufReader};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bank-sandbox-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

#[tokio::test]
async fn a_second_sandbox_on_the_same_state_file_refuses_to_start() {
    let dir = scratch("shared-state");
    let path = dir.join("state.json");
    let addr = "127.0.0.1:0".parse().expect("an address");
    let first = Sandbox::start(Config::default(), addr, Some(path.clone()))
        .await
        .expect("the first sandbox starts");
    let err = Sandbox::start(Config::default(), addr, Some(path.clone()))
        .await
        .err()
        .expect("the second is refused");
    let message = err.to_string();
    assert!(
        message.contains("another sandbox uses this state file")
            && message.contains(".state.json.lock")
            && message.contains("--state"),
        "{message}"
    );
    // The first writes its state for its owner only.
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{}/api/order/create", first.base_url(Bank::Globus)))
        .basic_auth("sandbox-merchant", Some("sandbox-password"))
        .json(&common::order("SHOP-LOCK", None))
        .send()
        .await
        .expect("answered");
    assert_eq!(created.status(), 200);
    first.stop().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("written at stop")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // Stopped, it let the file go: the next one starts and finds the order.
    let second = Sandbox::start(Config::default(), addr, Some(path.clone()))
        .await
        .expect("the file is free again");
    assert_eq!(second.inspect(|s| s.globus.orders.len()), 1);
    second.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// The sandbox binary on `state` (port 0), and its base URL.
async fn spawn(config: &Path, state: &Path) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_bank-sandbox"))
        .args(["--port", "0", "--config"])
        .arg(config)
        .arg("--state")
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the sandbox binary runs");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = tokio::time::timeout(HANG_GUARD, async {
        while let Some(line) = lines.next_line().await.expect("stdout") {
            if let Some(url) = line.strip_prefix("bank sandbox on ") {
                return url.trim().to_owned();
            }
        }
        panic!("the sandbox exited before it listened");
    })
    .await
    .expect("the sandbox prints its URL");
    // Keep reading, so that its log never blocks it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

#[tokio::test]
async fn a_sandbox_killed_while_writing_leaves_the_old_state_or_the_new_one() {
    let dir = scratch("killed");
    let state = dir.join("state.json");
    let config = dir.join("sandbox.toml");
    // Write the state as often as it changes, and make every order change it a few times.
    std::fs::write(
        &config,
        "step_delay_ms = 1\n[state]\nsave_interval_ms = 1\n",
    )
    .expect("a config");
    let http = reqwest::Client::new();
    let mut created = 0usize;
    let mut leftovers = 0usize;
    for round in 0..4usize {
        let (mut child, url) = spawn(&config, &state).await;
        // The previous round's orders were read back: the file parsed and the lock was free.
        let before = bank_sandbox::state::load(&state).expect("the state parses");
        assert!(before.globus.orders.len() <= created);
        // Kill it at a different point of its writing each round: after 100, 150, … orders.
        let orders = 100 + 50 * round;
        let sends: Vec<_> = (0..4)
            .map(|task| {
                let (http, url) = (http.clone(), url.clone());
                tokio::spawn(async move {
                    for n in (task..orders).step_by(4) {
                        let answer = http
                            .post(format!("{url}/globus-cfront/api/order/create"))
                            .basic_auth("sandbox-merchant", Some("sandbox-password"))
                            .json(&common::order(&format!("KILL-{round}-{n}"), None))
                            .send()
                            .await
                            .expect("answered");
                        assert_eq!(answer.status(), 200);
                    }
                })
            })
            .collect();
        for send in sends {
            send.await.expect("sent");
        }
        created += orders;
        child.start_kill().expect("SIGKILL");
        child.wait().await.expect("reaped");
        leftovers += std::fs::read_dir(&dir)
            .expect("list")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .count();
        let after = bank_sandbox::state::load(&state).expect("never broken");
        assert!(
            after.globus.orders.len() <= created,
            "{} orders of {created}",
            after.globus.orders.len()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&state)
                .expect("written")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
    }
    println!(
        "4 kills; temporary files a killed writer left (removed at the next start): {leftovers}"
    );
    // The next sandbox removes what a killed writer left.
    let (mut child, _) = spawn(&config, &state).await;
    let stale: Vec<String> = std::fs::read_dir(&dir)
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") && !n.contains(&format!(".{}.", child.id().unwrap_or(0))))
        .collect();
    assert!(stale.is_empty(), "{stale:?}");
    child.start_kill().expect("SIGKILL");
    child.wait().await.expect("reaped");
    let _ = std::fs::remove_dir_all(dir);
}
