//! Stable ids for the exports: the Delta log's table and file ids and the
//! Power BI project's logical ids and relationship names are derived from
//! what they name, so the same lakehouse always gives the same bytes.

use sha2::{Digest, Sha256};

/// A UUID-shaped id derived from `seed` (SHA-256, version-4 layout bits).
pub fn stable_uuid(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::stable_uuid;

    #[test]
    fn the_same_seed_gives_the_same_uuid_shaped_id() {
        assert_eq!(stable_uuid("x"), stable_uuid("x"));
        assert_ne!(stable_uuid("x"), stable_uuid("y"));
        let id = stable_uuid("x");
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "version-4 layout");
    }
}
