//! A pod's network namespace from its container ids (what the hub's target list carries:
//! `status.containerStatuses[].containerID` without the `containerd://` prefix): the
//! first process whose `/proc/PID/cgroup` names one of the ids, then its
//! `/proc/PID/ns/net`. Cgroup paths end in the container id after the last `-`
//! (`cri-containerd-ID.scope`, `docker-ID.scope`) or are the id itself
//! (`/kubepods/burstable/podUID/ID`); `.scope` is stripped. No CRI socket needed.

use std::path::{Path, PathBuf};

/// The container id a cgroup line names, if any (`0::/…/cri-containerd-ab12.scope` →
/// `ab12`).
pub fn container_of_cgroup_line(line: &str) -> Option<&str> {
    let path = line.splitn(3, ':').nth(2)?;
    let last = path.rsplit('/').next()?;
    let last = last.strip_suffix(".scope").unwrap_or(last);
    let id = last.rsplit('-').next()?;
    (id.len() >= 12 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

/// `PROC/PID/ns/net` of the first process in one of `ids`' containers (`proc_root` is
/// `/proc`, or the host's /proc mounted elsewhere in a pod). An id matches when it is
/// equal to the cgroup's (or a prefix of it of at least 12 characters, like `docker ps`
/// short ids).
pub fn netns_of_containers(proc_root: &Path, ids: &[String]) -> Option<PathBuf> {
    let ids: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|i| i.len() >= 12)
        .collect();
    if ids.is_empty() {
        return None;
    }
    let mut pids: Vec<u32> = std::fs::read_dir(proc_root)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    pids.sort_unstable();
    for pid in pids {
        let dir = proc_root.join(pid.to_string());
        let Ok(text) = std::fs::read_to_string(dir.join("cgroup")) else {
            continue;
        };
        let hit = text
            .lines()
            .filter_map(container_of_cgroup_line)
            .any(|c| ids.iter().any(|id| c.starts_with(id)));
        if hit {
            return Some(dir.join("ns").join("net"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_lines() {
        let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        for line in [
            format!(
                "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1_2.slice/cri-containerd-{id}.scope"
            ),
            format!("12:memory:/kubepods/burstable/pod1234/{id}"),
            format!("0::/system.slice/docker-{id}.scope"),
        ] {
            assert_eq!(container_of_cgroup_line(&line), Some(id), "{line}");
        }
        assert_eq!(
            container_of_cgroup_line("0::/user.slice/session-3.scope"),
            None
        );
        assert_eq!(container_of_cgroup_line("garbage"), None);
    }

    #[test]
    fn finds_the_process_of_a_container() {
        let root = std::env::temp_dir().join(format!("mizu-netns-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let id = "feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface";
        for (pid, cg) in [
            ("1", "0::/init.scope".to_owned()),
            ("77", format!("0::/kubepods/pod9/cri-containerd-{id}.scope")),
            ("self", "0::/".to_owned()),
        ] {
            std::fs::create_dir_all(root.join(pid)).expect("dir");
            std::fs::write(root.join(pid).join("cgroup"), cg).expect("write");
        }
        assert_eq!(
            netns_of_containers(&root, &["nothere0000000".into(), id.into()]),
            Some(root.join("77/ns/net"))
        );
        // Short ids (12+ characters) match too; shorter ones never.
        assert!(netns_of_containers(&root, &[id[..12].into()]).is_some());
        assert!(netns_of_containers(&root, &["feed".into()]).is_none());
        let _ = std::fs::remove_dir_all(&root);
    }
}
