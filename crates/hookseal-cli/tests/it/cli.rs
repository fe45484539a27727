//! The CLI contract (DESIGN.md): exit 0 with "ok", exit 1 with a reason code,
//! exit 2 for usage errors; `sign` prints exactly the headers to send.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hookseal"))
}

fn body_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hookseal-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `verify ARGS` with every `Name: value` line `sign` printed as `--header`.
fn verify_signed(args: &[&str], signed: &Output) -> Output {
    let out = stdout(signed);
    let mut c = bin();
    c.arg("verify").args(args);
    for h in out.lines() {
        c.args(["--header", h]);
    }
    c.output().unwrap()
}

const GH_SIG: &str =
    "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
const GH_SECRET: &str = "It's a Secret to Everybody";

#[test]
fn verify_exit_codes() {
    let f = body_file("gh", b"Hello, World!");
    let f = f.to_str().unwrap();
    let ok = run(&[
        "verify",
        "--provider",
        "github",
        "--secret",
        GH_SECRET,
        "--body-file",
        f,
        "--header",
        GH_SIG,
    ]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(stdout(&ok).starts_with("ok"));
    assert_eq!(stdout(&ok).lines().count(), 1);

    let bad = body_file("gh-bad", b"Hello, World?");
    let no = run(&[
        "verify",
        "--provider",
        "github",
        "--secret",
        GH_SECRET,
        "--body-file",
        bad.to_str().unwrap(),
        "--header",
        GH_SIG,
    ]);
    assert_eq!(code(&no), 1);
    assert!(
        stderr(&no).starts_with("signature_mismatch: "),
        "{}",
        stderr(&no)
    );
    assert!(!stderr(&no).contains(GH_SECRET), "secrets never printed");

    let missing = run(&[
        "verify",
        "--provider",
        "github",
        "--secret",
        GH_SECRET,
        "--body-file",
        f,
    ]);
    assert_eq!(code(&missing), 1);
    assert!(stderr(&missing).starts_with("missing_header: "));

    // Header names are case-insensitive; several secrets rotate.
    let lower = run(&[
        "verify",
        "--provider",
        "GitHub",
        "--secret",
        "old",
        "--secret",
        GH_SECRET,
        "--body-file",
        f,
        "--header",
        &GH_SIG.to_lowercase(),
    ]);
    assert_eq!(code(&lower), 0, "{}", stderr(&lower));
}

#[test]
fn usage_errors_exit_2() {
    let f = body_file("u", b"x");
    let f = f.to_str().unwrap();
    let cases: &[&[&str]] = &[
        &[
            "verify",
            "--provider",
            "nope",
            "--secret",
            "s",
            "--body-file",
            f,
        ],
        &["verify", "--provider", "github", "--body-file", f],
        &[
            "verify",
            "--provider",
            "github",
            "--secret",
            "",
            "--body-file",
            f,
        ],
        &[
            "verify",
            "--provider",
            "github",
            "--secret",
            "s",
            "--body-file",
            "/nonexistent/x",
        ],
        &[
            "verify",
            "--provider",
            "github",
            "--secret",
            "s",
            "--body-file",
            f,
            "--header",
            "no-colon",
        ],
        &[
            "verify",
            "--provider",
            "github",
            "--secret",
            "s",
            "--body-file",
            f,
            "--allow-ip",
            "10.0.0.0/8",
        ],
        &[
            "verify",
            "--provider",
            "github",
            "--secret",
            "s",
            "--body-file",
            f,
            "--remote-ip",
            "nope",
        ],
        &[
            "verify",
            "--provider",
            "github",
            "--secret",
            "s",
            "--body-file",
            f,
            "--remote-ip",
            "1.2.3.4",
            "--allow-ip",
            "1.2.3.4/40",
        ],
        &[
            "verify",
            "--provider",
            "twilio",
            "--secret",
            "s",
            "--body-file",
            f,
        ],
        &[
            "verify",
            "--provider",
            "github",
            "--secret",
            "s",
            "--body-file",
            f,
            "--algorithm",
            "md5",
        ],
        &[
            "verify",
            "--provider",
            "stripe",
            "--secret",
            "s",
            "--body-file",
            f,
            "--prefix",
            "x",
        ],
        &[
            "verify",
            "--provider",
            "hmac",
            "--secret",
            "s",
            "--body-file",
            f,
        ],
        &[
            "verify",
            "--provider",
            "hmac",
            "--signature-header",
            "X",
            "--content",
            "{ts}",
            "--secret",
            "s",
            "--body-file",
            f,
        ],
        &[
            "verify",
            "--provider",
            "standard-webhooks",
            "--secret",
            "whsec_!!",
            "--body-file",
            f,
        ],
        &[
            "verify",
            "--provider",
            "sendgrid",
            "--secret",
            "not-a-key",
            "--body-file",
            f,
        ],
        &[
            "sign",
            "--provider",
            "discord",
            "--secret",
            "abcd",
            "--body-file",
            f,
        ],
        &[
            "sign",
            "--provider",
            "square",
            "--secret",
            "s",
            "--body-file",
            f,
        ],
        &["keys", "generate", "--kind", "rsa"],
        &["verify"],
    ];
    for args in cases {
        let o = run(args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
}

#[test]
fn clock_tolerance_and_stdin() {
    let sig = {
        let f = body_file("slack", b"payload");
        let o = run(&[
            "sign",
            "--provider",
            "slack",
            "--secret",
            "sss",
            "--body-file",
            f.to_str().unwrap(),
            "--timestamp",
            "1700000000",
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        stdout(&o)
    };
    let headers: Vec<&str> = sig.lines().collect();
    assert_eq!(headers.len(), 2, "{sig}");
    let verify = |now: &str, extra: &[&str]| {
        let mut c = bin();
        c.args([
            "verify",
            "--provider",
            "slack",
            "--secret",
            "sss",
            "--body-file",
            "-",
            "--now",
            now,
        ]);
        for h in &headers {
            c.args(["--header", h]);
        }
        c.args(extra);
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"payload").unwrap();
        child.wait_with_output().unwrap()
    };
    assert_eq!(code(&verify("1700000100", &[])), 0);
    let old = verify("1700000301", &[]);
    assert_eq!(code(&old), 1);
    assert!(stderr(&old).starts_with("timestamp_too_old"));
    let fut = verify("1699999000", &[]);
    assert!(stderr(&fut).starts_with("timestamp_in_future"));
    assert_eq!(code(&verify("1700000301", &["--tolerance", "600"])), 0);
}

#[test]
fn jodo_allowlist_and_custom_header() {
    let f = body_file("jodo", br#"{"event":"payment"}"#);
    let f = f.to_str().unwrap();
    let o = run(&[
        "sign",
        "--provider",
        "jodo",
        "--secret",
        "my-secret-key",
        "--body-file",
        f,
    ]);
    let sig = stdout(&o).trim().to_string();
    assert!(sig.starts_with("X-Jodo-Signature: "), "{sig}");
    let v = |ip: &str, provider: &str, token: &str| {
        run(&[
            "verify",
            "--provider",
            provider,
            "--secret",
            "my-secret-key",
            "--body-file",
            f,
            "--header",
            &sig,
            "--header",
            &format!("X-Erp-Token: {token}"),
            "--require-header",
            "X-Erp-Token: expected",
            "--remote-ip",
            ip,
        ])
    };
    assert_eq!(code(&v("3.6.234.242", "jodo", "expected")), 0);
    assert_eq!(code(&v("::ffff:43.204.202.190", "jodo", "expected")), 0);
    let sandbox = v("3.108.86.33", "jodo", "expected");
    assert!(
        stderr(&sandbox).starts_with("ip_not_allowed"),
        "{}",
        stderr(&sandbox)
    );
    assert_eq!(code(&v("3.108.86.33", "jodo-sandbox", "expected")), 0);
    let wrong = v("3.6.234.242", "jodo", "other");
    assert!(stderr(&wrong).starts_with("required_header_mismatch"));
    // --allow-ip extends the preset's list.
    let extra = run(&[
        "verify",
        "--provider",
        "jodo",
        "--secret",
        "my-secret-key",
        "--body-file",
        f,
        "--header",
        &sig,
        "--remote-ip",
        "192.0.2.7",
        "--allow-ip",
        "192.0.2.0/24",
    ]);
    assert_eq!(code(&extra), 0, "{}", stderr(&extra));
}

#[test]
fn every_preset_round_trips_through_the_cli() {
    let list = run(&["providers", "--json"]);
    assert_eq!(code(&list), 0);
    let url = "https://example.com/hook?x=1";
    let mut n = 0;
    for line in stdout(&list).lines() {
        let p: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = p["name"].as_str().unwrap();
        if p["scheme"] == "twilio" {
            continue; // form bodies: covered by the interop suite
        }
        // A body carrying the timestamp where the scheme reads it from the body.
        let body = match &p["body_timestamp"] {
            serde_json::Value::Null => r#"{"k":"v"}"#.to_string(),
            t => {
                let ts = match t["format"].as_str().unwrap() {
                    "unix_millis" => "1700000000000".to_string(),
                    "unix_seconds" => "1700000000".to_string(),
                    other => panic!("{name}: body timestamp format {other}"),
                };
                format!(r#"{{"{}":{ts},"k":"v"}}"#, t["field"].as_str().unwrap())
            }
        };
        let f = body_file(&format!("rt-{name}"), body.as_bytes());
        let f = f.to_str().unwrap();
        // The key kind the preset takes, as `keys generate` makes it.
        let (secret, verify_key) = generated_key(p["key"].as_str().unwrap());
        let (secret, verify_key) = (secret.as_str(), verify_key.as_str());
        let s = run(&[
            "sign",
            "--provider",
            name,
            "--secret",
            secret,
            "--body-file",
            f,
            "--timestamp",
            "1700000000",
            "--url",
            url,
        ]);
        assert_eq!(code(&s), 0, "{name}: {}", stderr(&s));
        let v = verify_signed(
            &[
                "--provider",
                name,
                "--secret",
                verify_key,
                "--body-file",
                f,
                "--now",
                "1700000001",
                "--url",
                url,
            ],
            &s,
        );
        assert_eq!(code(&v), 0, "{name}: {} / {}", stderr(&v), stdout(&s));
        n += 1;
    }
    assert!(n >= 20, "only {n} presets round-tripped");
}

/// `hookseal keys generate --kind KIND`: (the key to sign with, the key to verify with).
fn generated_key(kind: &str) -> (String, String) {
    let g = run(&["keys", "generate", "--kind", kind]);
    assert_eq!(code(&g), 0, "{kind}: {}", stderr(&g));
    let text = stdout(&g);
    // `secret:` may be a multi-line PEM block.
    let (secret, public) = match text.split_once("\npublic: ") {
        Some((s, p)) => (s.to_string(), Some(p.trim().to_string())),
        None => (text.trim().to_string(), None),
    };
    let secret = secret
        .trim_start_matches("secret: ")
        .trim_start_matches("|\n");
    let secret: String = if secret.contains("BEGIN") {
        secret.lines().map(str::trim).collect::<Vec<_>>().join("\n")
    } else {
        secret.trim().to_string()
    };
    let verify_key = public.unwrap_or_else(|| secret.clone());
    (secret, verify_key)
}

#[test]
fn keys_generate_round_trips() {
    let f = body_file("k", b"{\"type\":1}");
    let f = f.to_str().unwrap();
    for (kind, provider) in [
        ("ed25519", "discord"),
        ("p256", "sendgrid"),
        ("standard-ed25519", "standard-webhooks"),
        ("whsec", "svix"),
    ] {
        let (secret, verify_key) = generated_key(kind);
        let s = run(&[
            "sign",
            "--provider",
            provider,
            "--secret",
            &secret,
            "--body-file",
            f,
        ]);
        assert_eq!(code(&s), 0, "{kind}: {}", stderr(&s));
        let v = verify_signed(
            &[
                "--provider",
                provider,
                "--secret",
                &verify_key,
                "--body-file",
                f,
            ],
            &s,
        );
        assert_eq!(code(&v), 0, "{kind}: {}", stderr(&v));
    }
}

#[test]
fn orange_logic_sha512_and_generic_hmac() {
    let f = body_file("ol", b"{\"asset\":1}");
    let f = f.to_str().unwrap();
    let s = run(&[
        "sign",
        "--provider",
        "orange-logic",
        "--secret",
        "k",
        "--algorithm",
        "sha512",
        "--body-file",
        f,
    ]);
    let h = stdout(&s);
    let sig = h.trim();
    assert_eq!(sig.len(), "x-ol-signature: v1,".len() + 88, "{sig}");
    let ok = run(&[
        "verify",
        "--provider",
        "orange-logic",
        "--secret",
        "k",
        "--algorithm",
        "sha512",
        "--body-file",
        f,
        "--header",
        sig,
    ]);
    assert_eq!(code(&ok), 0);
    let default = run(&[
        "verify",
        "--provider",
        "orange-logic",
        "--secret",
        "k",
        "--body-file",
        f,
        "--header",
        sig,
    ]);
    assert_eq!(
        code(&default),
        1,
        "a SHA-512 signature is not a SHA-256 one"
    );

    let generic = [
        "--provider",
        "hmac",
        "--signature-header",
        "X-Sig",
        "--algorithm",
        "sha512",
        "--encoding",
        "base64",
        "--prefix",
        "sha512=",
        "--content",
        "{ts}.{body}",
        "--timestamp-header",
        "X-Ts",
        "--secret",
        "g",
        "--body-file",
        f,
    ];
    let s = bin()
        .arg("sign")
        .args(generic)
        .args(["--timestamp", "1700000000"])
        .output()
        .unwrap();
    assert_eq!(code(&s), 0, "{}", stderr(&s));
    let out = stdout(&s);
    assert!(out.contains("X-Sig: sha512="), "{out}");
    let mut args = generic.to_vec();
    args.extend(["--now", "1700000000"]);
    assert_eq!(code(&verify_signed(&args, &s)), 0);
}
