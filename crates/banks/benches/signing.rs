//! Signatures per second: RS256 with a 2048-bit key and ES256, one payment body each, through
//! the whole `x-jws-signature` header computation.

use banks::BodySigner;
use banks::jws::{JwsSigner, KeySigner, Profile};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn signing(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../bank-jws/tests/keys");
    let read = |name: &str| std::fs::read(format!("{dir}/{name}")).expect("fixture");
    let body = read("body.json");
    let mut group = c.benchmark_group("x-jws-signature");
    group.throughput(Throughput::Elements(1));
    for (name, key, cert) in [
        ("RS256-2048", "rsa.key.pem", "rsa.cert.pem"),
        ("ES256", "ec.key.pem", "ec.cert.pem"),
    ] {
        for profile in Profile::ALL {
            let signer = JwsSigner::new(
                KeySigner::from_pem(&read(key), &read(cert)).expect("key"),
                *profile,
            );
            group.bench_function(format!("{name}/{profile}"), |b| {
                b.iter(|| signer.header_value(&body).expect("signs"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);
