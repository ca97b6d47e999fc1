//! The deterministic hashes behind `guid()` and `uniqueString()`, as Azure computes them.

use sha1::{Digest, Sha1};

/// The namespace Azure uses for `guid()`: `11fb06fb-712d-4ddd-98c7-e71bbd588830`.
const GUID_NAMESPACE: [u8; 16] = [
    0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30,
];

/// `guid(a, b, ...)`: a name-based (version 5, SHA-1) UUID of the arguments joined with `-`.
pub fn guid(args: &[&str]) -> String {
    let mut hasher = Sha1::new();
    hasher.update(GUID_NAMESPACE);
    hasher.update(args.join("-").as_bytes());
    let digest = hasher.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `uniqueString(a, b, ...)`: 13 base-32 characters of a 64-bit Murmur-style hash of the
/// arguments joined with `-`.
pub fn unique_string(args: &[&str]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut h = murmur64(args.join("-").as_bytes());
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(char::from(ALPHABET[(h >> 59) as usize]));
        h <<= 5;
    }
    out
}

fn fmix(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

fn le_u32(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .enumerate()
        .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (8 * i)))
}

/// Two interleaved 32-bit MurmurHash3-style lanes over 8-byte blocks, seed 0.
fn murmur64(data: &[u8]) -> u64 {
    const C1: u32 = 0x239b_961b;
    const C2: u32 = 0xab0e_9789;
    let (mut h1, mut h2) = (0u32, 0u32);
    let mut chunks = data.chunks_exact(8);
    for block in &mut chunks {
        let mut k1 = le_u32(&block[..4]);
        let mut k2 = le_u32(&block[4..]);
        k1 = k1.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h1 ^= k1;
        h1 = h1
            .rotate_left(19)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x561c_cd1b);
        k2 = k2.wrapping_mul(C2).rotate_left(17).wrapping_mul(C1);
        h2 ^= k2;
        h2 = h2
            .rotate_left(13)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x0bca_a747);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let k1 = le_u32(&tail[..tail.len().min(4)])
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 ^= k1;
        if tail.len() > 4 {
            let k2 = le_u32(&tail[4..])
                .wrapping_mul(C2)
                .rotate_left(17)
                .wrapping_mul(C1);
            h2 ^= k2;
        }
    }
    let len = data.len() as u32;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (u64::from(h2) << 32) | u64::from(h1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_string_matches_azure() {
        // Verified value (domain.md §7).
        assert_eq!(
            unique_string(&[
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myRg"
            ]),
            "js26ofeqkqeve"
        );
    }

    #[test]
    fn guid_is_a_version5_uuid() {
        let g = guid(&["a", "b"]);
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "5");
        assert!(matches!(&g[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(g, guid(&["a-b"]), "arguments are joined with '-'");
        assert_ne!(g, guid(&["a", "c"]));
    }
}
