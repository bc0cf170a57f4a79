//! Fuzz target: arbitrary bytes as a capture file. Reads every packet with
//! `mizu_source::FileSource` and decodes it with `mizu_wire::Decoder`, until the
//! end or the first error. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_source::{FileSource, PacketSource};
use mizu_wire::{Decoder, DecoderConfig};

fuzz_target!(|data: &[u8]| {
    let reader = Box::new(std::io::Cursor::new(data.to_vec()));
    let Ok(mut source) = FileSource::from_reader("fuzz".to_string(), reader) else {
        return;
    };
    // Small caps so that the fragment eviction paths are reached too.
    let mut decoder = Decoder::new(DecoderConfig {
        max_fragment_datagrams: 4,
        max_fragment_bytes: 64 * 1024,
        fragment_timeout: 1_000_000_000,
    });
    while let Ok(Some(pkt)) = source.next_packet() {
        let _ = decoder.decode(&pkt);
    }
    let _ = source.stats();
    let _ = decoder.stats();
});
