//! Fuzzes the HPACK decoder and the Huffman decoder directly: arbitrary header blocks,
//! several per decoder (so the dynamic table carries state between them), with a lost-sync
//! event in between. Must never panic, and the table must stay within its size bound.
//!
//! Input layout: byte 0 = number of blocks (1..=8); then each block is prefixed by one
//! length byte. A length byte of 0xFF makes the decoder lose sync instead.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mizu_dissectors::http2::hpack::{Decoder, MAX_TABLE_SIZE, huffman_decode};

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let _ = huffman_decode(data, &mut out);
    let Some((&n, mut rest)) = data.split_first() else {
        return;
    };
    let mut d = Decoder::new();
    for _ in 0..(n % 8 + 1) {
        let Some((&len, tail)) = rest.split_first() else {
            break;
        };
        if len == 0xFF {
            d.lose_sync();
            rest = tail;
            continue;
        }
        let len = usize::from(len).min(tail.len());
        let (block, tail) = tail.split_at(len);
        rest = tail;
        let mut headers = Vec::new();
        let _ = d.decode(block, &mut headers, 16 << 10);
        assert!(d.table_size() <= MAX_TABLE_SIZE);
    }
});
