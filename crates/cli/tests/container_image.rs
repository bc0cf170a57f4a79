//! deploy/build-image.sh builds the image (static binary FROM scratch) when podman is
//! installed (skipped, saying so, when it is not: install-deps does not install podman, since
//! the static release build alone takes many minutes on CI's 2 cores). Running containers is
//! not permitted on these machines; building is.

use std::path::Path;
use std::process::Command;

#[test]
fn containerfile_builds_a_static_image_from_scratch() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cf = std::fs::read_to_string(root.join("deploy/Containerfile")).expect("Containerfile");
    assert!(cf.lines().any(|l| l.trim() == "FROM scratch"), "{cf}");
    let script = std::fs::read_to_string(root.join("deploy/build-image.sh")).expect("script");
    assert!(script.contains("+crt-static") && script.contains("--storage-driver vfs"));
    if Command::new("podman").arg("--version").output().is_err() {
        eprintln!(
            "skipped the image build: podman is not installed (apt-get install podman to run it)"
        );
        return;
    }
    let tag = format!("localhost/mizu-test:{}", std::process::id());
    let out = Command::new("bash")
        .arg(root.join("deploy/build-image.sh"))
        .arg(&tag)
        .env_remove("MIZU_UI_SKIP_BUILD")
        .output()
        .expect("build");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inspect = Command::new("podman")
        .args([
            "--storage-driver",
            "vfs",
            "image",
            "inspect",
            "--format",
            "{{.Config.Entrypoint}} {{.Config.User}}",
            &tag,
        ])
        .output()
        .expect("inspect");
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(text.contains("/mizu") && text.contains("65532"), "{text}");
    let _ = Command::new("podman")
        .args(["--storage-driver", "vfs", "rmi", &tag])
        .output();
}
