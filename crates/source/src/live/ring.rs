//! The one module of mizu allowed `unsafe`: an AF_PACKET socket with a TPACKET_V3
//! receive ring mapped into our memory, and the walk over its blocks.
//!
//! The unsafe surface is: the libc calls (socket options, mmap/munmap, poll, setns), the
//! atomic view of a block's status word, and the byte slice over a block the kernel has
//! handed to user space. Everything else (packet headers inside a block) is read with safe
//! bounds-checked code from that slice.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};

/// Ring geometry and socket options of one AF_PACKET socket.
#[derive(Clone, Debug)]
pub struct RingConfig {
    /// Bytes per block (a power of two, multiple of the page size). Default 1 MiB.
    pub block_size: u32,
    /// Blocks in the ring. Default 32 (a 32 MiB ring).
    pub block_count: u32,
    /// A block is handed to user space after this many milliseconds even if not full.
    pub block_timeout_ms: u32,
    /// PACKET_FANOUT group id (same id = the kernel spreads flows over the sockets).
    pub fanout: Option<u16>,
}

impl Default for RingConfig {
    fn default() -> RingConfig {
        RingConfig {
            block_size: 1 << 20,
            block_count: 32,
            block_timeout_ms: 20,
            fanout: None,
        }
    }
}

// Offsets inside the structures of <linux/if_packet.h> (TPACKET_V3).
const BLK_STATUS: usize = 8;
const BLK_NUM_PKTS: usize = 12;
const BLK_FIRST: usize = 16;
const PKT_NEXT: usize = 0;
const PKT_SEC: usize = 4;
const PKT_NSEC: usize = 8;
const PKT_SNAPLEN: usize = 12;
const PKT_LEN: usize = 16;
const PKT_MAC: usize = 24;
/// `TPACKET_ALIGN(sizeof(struct tpacket3_hdr))`: where the `sockaddr_ll` starts.
const PKT_SLL: usize = 48;
const SLL_HATYPE: usize = PKT_SLL + 8;
const SLL_PKTTYPE: usize = PKT_SLL + 10;

/// One packet's header fields, as read from a block.
#[derive(Clone, Copy, Debug)]
pub struct PacketMeta {
    /// Offset of the frame within the block, and its captured length.
    pub data_off: usize,
    pub snaplen: usize,
    pub orig_len: u32,
    pub ts: u64,
    pub hatype: u16,
    pub pkttype: u8,
    /// Offset of the next packet header within the block (0 for the last).
    pub next: usize,
}

fn rd32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

fn rd16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at + 2)?;
    Some(u16::from_ne_bytes([s[0], s[1]]))
}

/// Number of packets and offset of the first one in a user-owned block.
pub fn block_header(block: &[u8]) -> Option<(u32, usize)> {
    Some((rd32(block, BLK_NUM_PKTS)?, rd32(block, BLK_FIRST)? as usize))
}

/// Reads the packet header at `off` of a user-owned block (None if it does not fit).
pub fn packet_at(block: &[u8], off: usize) -> Option<PacketMeta> {
    let h = block.get(off..)?;
    let snaplen = rd32(h, PKT_SNAPLEN)? as usize;
    let data_off = off + rd16(h, PKT_MAC)? as usize;
    block.get(data_off..data_off.checked_add(snaplen)?)?;
    Some(PacketMeta {
        data_off,
        snaplen,
        orig_len: rd32(h, PKT_LEN)?,
        ts: u64::from(rd32(h, PKT_SEC)?) * 1_000_000_000 + u64::from(rd32(h, PKT_NSEC)?),
        hatype: rd16(h, SLL_HATYPE)?,
        pkttype: *h.get(SLL_PKTTYPE)?,
        next: rd32(h, PKT_NEXT)? as usize,
    })
}

/// An AF_PACKET socket and its mapped TPACKET_V3 ring.
pub struct Ring {
    fd: OwnedFd,
    map: *mut u8,
    map_len: usize,
    block_size: usize,
    block_count: usize,
}

// SAFETY: the mapping is owned by this value alone (no aliasing copies of `map` exist);
// moving it to another thread moves that ownership, and the kernel side is thread-agnostic.
unsafe impl Send for Ring {}

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn setsockopt<T>(fd: RawFd, level: libc::c_int, name: libc::c_int, val: &T) -> io::Result<()> {
    // SAFETY: `val` points to a live, initialised T of exactly the length passed.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (val as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    check(r).map(|_| ())
}

impl Ring {
    /// Opens a socket in the calling thread's network namespace, bound to `ifindex`
    /// (0 = every interface), with a mapped receive ring; joins the fanout group
    /// `cfg.fanout` if set.
    pub fn open(ifindex: i32, promisc: bool, cfg: &RingConfig) -> io::Result<Ring> {
        let ring = Ring::create(ifindex, promisc, cfg)?;
        ring.bind(ifindex)?;
        if let Some(group) = cfg.fanout {
            ring.join_fanout(Some(group))?;
        }
        Ok(ring)
    }

    /// A socket with its mapped ring, not bound yet: it receives nothing until
    /// [`Ring::bind`] (the socket is created with protocol 0, so no packet of another
    /// device lands in the ring before the bind narrows it to `ifindex`).
    pub fn create(ifindex: i32, promisc: bool, cfg: &RingConfig) -> io::Result<Ring> {
        // SAFETY: plain syscall with constant arguments; the result is checked.
        let raw = check(unsafe {
            libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0)
        })?;
        // SAFETY: `raw` is a fresh descriptor we own and nothing else closes.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let version: libc::c_int = 2; // TPACKET_V3
        setsockopt(fd.as_raw_fd(), libc::SOL_PACKET, PACKET_VERSION, &version)?;
        let block_size = cfg.block_size.max(1 << 16).next_power_of_two();
        let block_count = cfg.block_count.max(2);
        let frame_size: u32 = 2048;
        let req = TpacketReq3 {
            tp_block_size: block_size,
            tp_block_nr: block_count,
            tp_frame_size: frame_size,
            tp_frame_nr: block_size / frame_size * block_count,
            tp_retire_blk_tov: cfg.block_timeout_ms.max(1),
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        setsockopt(fd.as_raw_fd(), libc::SOL_PACKET, PACKET_RX_RING, &req)?;
        let map_len = block_size as usize * block_count as usize;
        // SAFETY: maps the ring the kernel just allocated for this socket; length and
        // flags are what PACKET_RX_RING requires; the result is checked against MAP_FAILED.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_LOCKED,
                fd.as_raw_fd(),
                0,
            )
        };
        let map = if map == libc::MAP_FAILED {
            // MAP_LOCKED needs RLIMIT_MEMLOCK room; retry without it.
            // SAFETY: as above, without MAP_LOCKED.
            let m = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    map_len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    fd.as_raw_fd(),
                    0,
                )
            };
            if m == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            m
        } else {
            map
        };
        let ring = Ring {
            fd,
            map: map.cast(),
            map_len,
            block_size: block_size as usize,
            block_count: block_count as usize,
        };
        if promisc && ifindex > 0 {
            let mreq = PacketMreq {
                mr_ifindex: ifindex,
                mr_type: PACKET_MR_PROMISC as u16,
                mr_alen: 0,
                mr_address: [0; 8],
            };
            setsockopt(
                ring.fd.as_raw_fd(),
                libc::SOL_PACKET,
                PACKET_ADD_MEMBERSHIP,
                &mreq,
            )?;
        }
        Ok(ring)
    }

    /// Binds the socket to `ifindex` (0 = every interface) for every protocol: packets
    /// start arriving in the ring.
    pub fn bind(&self, ifindex: i32) -> io::Result<()> {
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sll.sll_ifindex = ifindex;
        // SAFETY: `sll` is a valid sockaddr_ll and the length passed is its size.
        check(unsafe {
            libc::bind(
                self.fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        })
        .map(|_| ())
    }

    /// Joins PACKET_FANOUT group `group` in hash mode (the kernel's symmetric flow hash,
    /// IP fragments reassembled first), or with `None` a new group whose id the kernel
    /// picks unused in this namespace (`PACKET_FANOUT_FLAG_UNIQUEID`, so another
    /// process's group is never joined by accident). Returns the group id. The socket
    /// must be bound (the kernel matches a group per bound device). The member a packet
    /// goes to is the flow hash scaled onto the members in join order, so sockets joined in the same order in
    /// two groups receive the same flows.
    pub fn join_fanout(&self, group: Option<u16>) -> io::Result<u16> {
        let flags = match group {
            Some(_) => PACKET_FANOUT_FLAG_DEFRAG,
            None => PACKET_FANOUT_FLAG_DEFRAG | PACKET_FANOUT_FLAG_UNIQUEID,
        };
        let arg: u32 = u32::from(group.unwrap_or(0)) | ((PACKET_FANOUT_HASH | flags) << 16);
        setsockopt(self.fd.as_raw_fd(), libc::SOL_PACKET, PACKET_FANOUT, &arg)?;
        let mut got: u32 = 0;
        let mut len = std::mem::size_of::<u32>() as libc::socklen_t;
        // SAFETY: `got` is a writable u32 and `len` its size.
        check(unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                PACKET_FANOUT,
                (&mut got as *mut u32).cast(),
                &mut len,
            )
        })?;
        Ok((got & 0xffff) as u16)
    }

    /// Makes the socket drop every packet (a one-instruction classic BPF filter, `ret
    /// #0`) until [`Ring::accept_all`]: while a fanout group is being joined, a bound
    /// socket not yet in the group would otherwise receive every packet of its device
    /// next to the group.
    pub fn drop_all(&self) -> io::Result<()> {
        let mut prog = [libc::sock_filter {
            code: 0x06, // BPF_RET | BPF_K
            jt: 0,
            jf: 0,
            k: 0,
        }];
        // The kernel copies the program during the call; `prog` outlives it.
        let fprog = libc::sock_fprog {
            len: 1,
            filter: prog.as_mut_ptr(),
        };
        setsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            &fprog,
        )
    }

    /// Removes the filter of [`Ring::drop_all`].
    pub fn accept_all(&self) -> io::Result<()> {
        let zero: libc::c_int = 0;
        setsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_DETACH_FILTER,
            &zero,
        )
    }

    pub fn blocks(&self) -> usize {
        self.block_count
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn status(&self, i: usize) -> &AtomicU32 {
        let i = i % self.block_count;
        // SAFETY: block `i` lies inside the mapping (i < block_count), its status word is
        // 4-byte aligned (blocks are page aligned, the word is at offset 8) and lives as
        // long as `self`; the kernel writes it concurrently, hence the atomic view.
        unsafe {
            &*self
                .map
                .add(i * self.block_size + BLK_STATUS)
                .cast::<AtomicU32>()
        }
    }

    /// Block `i` if the kernel has handed it to user space.
    pub fn user_block(&self, i: usize) -> Option<&[u8]> {
        let i = i % self.block_count;
        if self.status(i).load(Ordering::Acquire) & TP_STATUS_USER == 0 {
            return None;
        }
        // SAFETY: the block is inside the mapping; with TP_STATUS_USER set (Acquire above)
        // the kernel does not write it until we store TP_STATUS_KERNEL in `release`, which
        // takes `&mut self` and so cannot happen while this borrow lives.
        Some(unsafe {
            std::slice::from_raw_parts(self.map.add(i * self.block_size), self.block_size)
        })
    }

    /// Gives block `i` back to the kernel.
    pub fn release(&mut self, i: usize) {
        self.status(i).store(TP_STATUS_KERNEL, Ordering::Release);
    }

    /// Kernel counters since the last call: (packets, drops). Reading resets them.
    pub fn take_stats(&self) -> io::Result<(u64, u64)> {
        let mut st = TpacketStatsV3::default();
        let mut len = std::mem::size_of::<TpacketStatsV3>() as libc::socklen_t;
        // SAFETY: `st` is a writable TpacketStatsV3 and `len` its size.
        check(unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                PACKET_STATISTICS,
                (&mut st as *mut TpacketStatsV3).cast(),
                &mut len,
            )
        })?;
        Ok((u64::from(st.tp_packets), u64::from(st.tp_drops)))
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the region mapped in `open`; no borrow of it outlives
        // `self` (slices handed out borrow `self`).
        unsafe {
            libc::munmap(self.map.cast(), self.map_len);
        }
    }
}

/// Waits until one of `fds` is readable or `timeout_ms` passes.
pub fn poll_fds(fds: &[RawFd], timeout_ms: i32) -> io::Result<()> {
    let mut p: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN | libc::POLLERR,
            revents: 0,
        })
        .collect();
    // SAFETY: `p` is a valid array of `p.len()` pollfd structures.
    let r = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, timeout_ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(());
        }
        return Err(e);
    }
    Ok(())
}

/// Moves the calling thread into the network namespace open as `ns`.
pub fn enter_netns(ns: &std::fs::File) -> io::Result<()> {
    // SAFETY: `ns` is an open file; setns only reads the descriptor and affects only
    // the calling thread (a dedicated one, see `netns`).
    check(unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) }).map(|_| ())
}

/// Index of interface `name` in the calling thread's namespace (0 if absent).
pub fn if_index(name: &str) -> u32 {
    let Ok(c) = std::ffi::CString::new(name) else {
        return 0;
    };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    unsafe { libc::if_nametoindex(c.as_ptr()) }
}

/// The effective capabilities include CAP_NET_RAW (or we are root).
pub fn have_net_raw() -> bool {
    // AF_PACKET sockets need CAP_NET_RAW: try a throwaway one.
    // SAFETY: plain syscall; a descriptor it returns is closed right away.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return false;
    }
    // SAFETY: `fd` was just opened by us.
    unsafe {
        libc::close(fd);
    }
    true
}

// <linux/if_packet.h> values, spelled out so the module does not depend on which libc
// release exports them.
const PACKET_ADD_MEMBERSHIP: libc::c_int = 1;
const PACKET_RX_RING: libc::c_int = 5;
const PACKET_STATISTICS: libc::c_int = 6;
const PACKET_VERSION: libc::c_int = 10;
const PACKET_FANOUT: libc::c_int = 18;
const PACKET_FANOUT_HASH: u32 = 0;
const PACKET_FANOUT_FLAG_DEFRAG: u32 = 0x8000;
const PACKET_FANOUT_FLAG_UNIQUEID: u32 = 0x2000;
const PACKET_MR_PROMISC: libc::c_int = 1;
const TP_STATUS_KERNEL: u32 = 0;
const TP_STATUS_USER: u32 = 1;
/// `sll_pkttype` of a packet this host sent.
pub const PACKET_OUTGOING: u8 = 4;

#[repr(C)]
struct TpacketReq3 {
    tp_block_size: u32,
    tp_block_nr: u32,
    tp_frame_size: u32,
    tp_frame_nr: u32,
    tp_retire_blk_tov: u32,
    tp_sizeof_priv: u32,
    tp_feature_req_word: u32,
}

#[repr(C)]
#[derive(Default)]
struct TpacketStatsV3 {
    tp_packets: u32,
    tp_drops: u32,
    tp_freeze_q_cnt: u32,
}

#[repr(C)]
struct PacketMreq {
    mr_ifindex: i32,
    mr_type: u16,
    mr_alen: u16,
    mr_address: [u8; 8],
}
