//! Pure L2–L4 packet decoding for mizu: no I/O, no threads.
//!
//! A [`Decoder`] turns one captured frame ([`RawPacket`]) into a [`Decoded`] value:
//! a TCP segment, a UDP datagram, something else that is counted and ignored, a
//! stored IPv4 fragment, or a malformed packet. It never panics on any input.
//!
//! * Link layers: Ethernet II (with any number of 802.1Q / 802.1ad / QinQ tags),
//!   Linux cooked SLL and SLL2, BSD `DLT_NULL`, OpenBSD `DLT_LOOP`, raw IP.
//! * Network: IPv4 (with fragment reassembly, see the `frag` module) and IPv6 with
//!   extension headers. IPv6 fragments are counted and dropped, not reassembled.
//! * Transport: TCP and UDP. Checksums are not verified (offloading makes them
//!   wrong in most captures taken on a sending host).
//!
//! Lengths come from the IP header, not the frame, so Ethernet padding is ignored.
//! When the capture kept fewer bytes than the IP header announces (snaplen), the
//! segment is still returned with the captured part of the payload and
//! [`TcpSegment::missing`] set; a cut TCP or UDP *header* is reported as malformed.
//!
//! Unfragmented packets are decoded without allocating: payloads borrow the
//! packet's bytes. `etherparse` slices the Ethernet, VLAN, IP and transport headers;
//! the pseudo-headers it lacks are parsed by hand (see the `link` module).

//!
//! Modules: `packet` (the types in and out), `decoder` (the [`Decoder`] and the link
//! layer dispatch), `ip` (IPv4/IPv6 and TCP/UDP headers), `link` (pseudo-headers by hand),
//! `frag` (IPv4 fragment reassembly).

mod decoder;
mod frag;
mod ip;
mod link;
mod packet;

pub use decoder::{DecodeStats, Decoder, DecoderConfig};
pub use mizu_model::Nanos;
pub use packet::{DecodeError, Decoded, LinkType, RawPacket, TcpFlags, TcpSegment, UdpDatagram};

#[cfg(test)]
mod tests;
