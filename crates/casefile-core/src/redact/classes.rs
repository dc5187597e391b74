//! Byte classes of 64 bytes at a time, as bit masks: the first step of every word-start walk
//! (the redactor's names, places and known secrets, the token finder).
//!
//! A table lookup and a shift per byte was the single largest cost of redaction; on x86-64 the
//! masks come from SSE2 compares and `movemask`, 16 bytes at a time (the workspace's one use of
//! `unsafe`, explained where it is). Other targets use a portable loop that gives the same masks.

/// Bit `j` of each mask is set when byte `j` of the block is of that class; bytes past the end of
/// a short block are in no class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Masks {
    /// `0-9`.
    pub digit: u64,
    /// `A-Z`.
    pub upper: u64,
    /// `a-z`.
    pub lower: u64,
    /// `_`.
    pub underscore: u64,
    /// `-`.
    pub dash: u64,
    /// A byte of 0x80 or more (part of a UTF-8 sequence).
    pub high: u64,
}

impl Masks {
    /// Letters and digits.
    pub(super) fn alnum(&self) -> u64 {
        self.digit | self.upper | self.lower
    }

    /// The masks of `block` (up to 64 bytes; only the first 64 count).
    #[inline]
    pub(super) fn of(block: &[u8]) -> Masks {
        if let Ok(full) = <&[u8; 64]>::try_from(block.get(..64).unwrap_or(block)) {
            return Masks::of_full(full);
        }
        let mut padded = [0u8; 64];
        let len = block.len().min(64);
        padded[..len].copy_from_slice(&block[..len]);
        Masks::of_full(&padded)
    }

    /// SSE2 compares and `movemask`, 16 bytes per instruction. The only `unsafe` of the
    /// workspace: the intrinsics are `#[target_feature(enable = "sse2")]` functions, and SSE2 is
    /// part of the x86-64 baseline (every x86-64 CPU has it; the compiler assumes it already), so
    /// calling them is always sound; the load reads 16 bytes that `chunks_exact` gives.
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    #[inline]
    fn of_full(block: &[u8; 64]) -> Masks {
        use std::arch::x86_64::{
            __m128i, _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
            _mm_movemask_epi8, _mm_set1_epi8,
        };
        // A byte in `from..from + len`: shifted so that the range starts at -128, then one
        // signed compare.
        fn range(v: __m128i, from: u8, len: u8) -> __m128i {
            // SAFETY: SSE2 register operations, SSE2 being baseline on x86-64.
            unsafe {
                let shifted = _mm_add_epi8(v, _mm_set1_epi8(0x80u8.wrapping_sub(from) as i8));
                _mm_cmplt_epi8(shifted, _mm_set1_epi8(0x80u8.wrapping_add(len) as i8))
            }
        }
        let mut masks = Masks::default();
        for (i, lane) in block.chunks_exact(16).enumerate() {
            // SAFETY: `lane` is 16 readable bytes; an unaligned load needs no alignment.
            let v = unsafe { _mm_loadu_si128(lane.as_ptr().cast()) };
            let shift = i * 16;
            // SAFETY (each block below): SSE2 register operations, SSE2 being baseline.
            let bits = |m: __m128i| u64::from(unsafe { _mm_movemask_epi8(m) } as u16) << shift;
            masks.digit |= bits(range(v, b'0', 10));
            masks.upper |= bits(range(v, b'A', 26));
            masks.lower |= bits(range(v, b'a', 26));
            masks.underscore |= bits(unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8)) });
            masks.dash |= bits(unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8)) });
            // The sign bit is the high bit: movemask takes it as it is.
            masks.high |= bits(v);
        }
        masks
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn of_full(block: &[u8; 64]) -> Masks {
        Masks::portable(block)
    }

    /// One byte at a time: other targets, and what the SIMD version must equal.
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn portable(block: &[u8; 64]) -> Masks {
        let mut masks = Masks::default();
        for (j, &b) in block.iter().enumerate() {
            let bit = 1u64 << j;
            let set = |mask: &mut u64, yes: bool| *mask |= if yes { bit } else { 0 };
            set(&mut masks.digit, b.is_ascii_digit());
            set(&mut masks.upper, b.is_ascii_uppercase());
            set(&mut masks.lower, b.is_ascii_lowercase());
            set(&mut masks.underscore, b == b'_');
            set(&mut masks.dash, b == b'-');
            set(&mut masks.high, b >= 0x80);
        }
        masks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_value_lands_in_its_class_at_every_position() {
        // Each of the 256 byte values at each of the 64 positions, by rotating a window.
        let all: Vec<u8> = (0..=255u8).collect();
        for offset in 0..256 {
            let block: Vec<u8> = (0..64).map(|j| all[(offset + j) % 256]).collect();
            let full: [u8; 64] = block.clone().try_into().expect("64 bytes");
            assert_eq!(Masks::of(&block), Masks::portable(&full), "offset {offset}");
        }
    }

    #[test]
    fn a_short_block_has_no_class_past_its_end() {
        let masks = Masks::of(b"a_Z-9\xc3");
        assert_eq!(masks.lower, 0b1);
        assert_eq!(masks.underscore, 0b10);
        assert_eq!(masks.upper, 0b100);
        assert_eq!(masks.dash, 0b1000);
        assert_eq!(masks.digit, 0b1_0000);
        assert_eq!(masks.high, 0b10_0000);
        assert_eq!(Masks::of(b""), Masks::default());
    }
}
