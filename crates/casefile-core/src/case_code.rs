//! Case codes: short names for a request that survive being read aloud over the phone.
//!
//! A code is `CF-` and eight Crockford base32 symbols in two groups of four: seven carry 35 random
//! bits, the last is a check symbol. The check is a weighted sum over GF(32) (weights are
//! successive powers of a primitive element), so every single wrong symbol and every swap of
//! two different symbols is detected. Reading is forgiving the way Crockford intends: case is
//! ignored, `O` reads as `0`, `I` and `L` as `1`, and hyphens and spaces are skipped.

use std::fmt;
use std::str::FromStr;

/// Crockford base32, the symbols of case codes and collection codes.
pub(crate) const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DATA_SYMBOLS: usize = 7;
const PREFIX: &str = "CF";

/// A validated case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseCode {
    symbols: [u8; DATA_SYMBOLS + 1],
}

/// Why a text is not a case code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseCodeError {
    /// Wrong number of symbols.
    #[error("a case code has 8 symbols after CF- (like CF-7K2M-9QXD); {0:?} has {1}")]
    Length(String, usize),
    /// A character that is not in the alphabet.
    #[error(
        "{0:?} is not a case code symbol: case codes use digits and the letters A-Z except I, L, O and U"
    )]
    Symbol(char),
    /// The check symbol does not match: a symbol was misheard or mistyped.
    #[error(
        "case code {0:?} does not check out: a symbol was probably misheard or mistyped; read it again"
    )]
    Check(String),
}

impl CaseCode {
    /// Makes a code from 35 bits of randomness (the low 35 bits of `entropy`).
    pub fn from_entropy(entropy: u64) -> CaseCode {
        let mut symbols = [0u8; DATA_SYMBOLS + 1];
        for (index, symbol) in symbols.iter_mut().take(DATA_SYMBOLS).enumerate() {
            let shift = 5 * (DATA_SYMBOLS - 1 - index);
            *symbol = ((entropy >> shift) & 31) as u8;
        }
        symbols[DATA_SYMBOLS] = check_symbol(&symbols[..DATA_SYMBOLS]);
        CaseCode { symbols }
    }
}

impl FromStr for CaseCode {
    type Err = CaseCodeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut values = Vec::with_capacity(DATA_SYMBOLS + 3);
        for character in text.trim().chars() {
            if character == '-' || character == ' ' {
                continue;
            }
            values.push(symbol_value(character).ok_or(CaseCodeError::Symbol(character))?);
        }
        // The prefix is optional; C and F are symbols too, so only strip it from ten symbols.
        let prefix: Vec<u8> = PREFIX.chars().filter_map(symbol_value).collect();
        let written_with_prefix = text.trim().to_ascii_uppercase().starts_with("CF-");
        let ten_symbols = values.len() == DATA_SYMBOLS + 1 + prefix.len();
        if (written_with_prefix || ten_symbols) && values.starts_with(&prefix) {
            values.drain(..prefix.len());
        }
        if values.len() != DATA_SYMBOLS + 1 {
            return Err(CaseCodeError::Length(text.to_owned(), values.len()));
        }
        if check_symbol(&values[..DATA_SYMBOLS]) != values[DATA_SYMBOLS] {
            return Err(CaseCodeError::Check(text.to_owned()));
        }
        let mut symbols = [0u8; DATA_SYMBOLS + 1];
        symbols.copy_from_slice(&values);
        Ok(CaseCode { symbols })
    }
}

impl fmt::Display for CaseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = |value: &u8| char::from(ALPHABET[usize::from(*value & 31)]);
        let first: String = self.symbols[..4].iter().map(letter).collect();
        let second: String = self.symbols[4..].iter().map(letter).collect();
        write!(f, "{PREFIX}-{first}-{second}")
    }
}

/// The value of a symbol as Crockford reads it (`O` is 0, `I` and `L` are 1, any case).
pub(crate) fn symbol_value(character: char) -> Option<u8> {
    let upper = match character.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&symbol| char::from(symbol) == upper)
        .and_then(|index| u8::try_from(index).ok())
}

/// Multiplication in GF(32) with the primitive polynomial x^5 + x^2 + 1.
fn gf32_multiply(mut left: u8, mut right: u8) -> u8 {
    let mut product = 0u8;
    while right != 0 {
        if right & 1 != 0 {
            product ^= left;
        }
        right >>= 1;
        left <<= 1;
        if left & 0x20 != 0 {
            left ^= 0x25;
        }
    }
    product
}

/// The check symbol: sum over positions of symbol times alpha^(position + 1), alpha = x.
pub(crate) fn check_symbol(data: &[u8]) -> u8 {
    let mut weight = 1u8;
    let mut sum = 0u8;
    for &value in data {
        weight = gf32_multiply(weight, 2);
        sum ^= gf32_multiply(value, weight);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_prints_in_two_groups_and_reads_back() {
        let code = CaseCode::from_entropy(0x5_1234_5678);
        let text = code.to_string();
        assert_eq!(text.len(), "CF-7K2M-9QXD".len());
        assert!(text.starts_with("CF-"));
        assert_eq!(text.parse::<CaseCode>(), Ok(code));
    }

    #[test]
    fn reading_ignores_case_hyphens_and_confusable_letters() {
        let code = CaseCode::from_entropy(0);
        assert_eq!(code.to_string().chars().filter(|c| *c == '0').count(), 8);
        assert_eq!("cf oooo-oooo".parse::<CaseCode>(), Ok(code));
        assert_eq!("00000000".parse::<CaseCode>(), Ok(code));
    }

    #[test]
    fn every_single_substitution_is_detected() {
        for entropy in [0u64, 1, 0x7_FFFF_FFFF, 0x2_AAAA_5555, 0x1_2345_6789] {
            let code = CaseCode::from_entropy(entropy).to_string();
            let positions: Vec<usize> = code
                .char_indices()
                .filter(|(_, c)| *c != '-')
                .map(|(i, _)| i)
                .skip(2)
                .collect();
            for &position in &positions {
                for &replacement in ALPHABET {
                    let replacement = char::from(replacement);
                    if code[position..].starts_with(replacement) {
                        continue;
                    }
                    let mut typo = code.clone();
                    typo.replace_range(position..=position, &replacement.to_string());
                    assert!(
                        typo.parse::<CaseCode>().is_err(),
                        "{typo} (from {code}) was accepted"
                    );
                }
            }
        }
    }

    #[test]
    fn every_swap_of_neighbouring_symbols_is_detected() {
        for entropy in (0u64..2000).map(|n| n.wrapping_mul(0x9E37_79B9) & 0x7_FFFF_FFFF) {
            let code = CaseCode::from_entropy(entropy).to_string();
            let symbols: Vec<char> = code[3..].chars().filter(|c| *c != '-').collect();
            for index in 0..symbols.len() - 1 {
                if symbols[index] == symbols[index + 1] {
                    continue;
                }
                let mut swapped = symbols.clone();
                swapped.swap(index, index + 1);
                let typo: String = swapped.into_iter().collect();
                assert!(
                    typo.parse::<CaseCode>().is_err(),
                    "{typo} (from {code}) was accepted"
                );
            }
        }
    }

    #[test]
    fn wrong_lengths_and_symbols_are_named() {
        assert_eq!(
            "CF-7K2M-9QX".parse::<CaseCode>(),
            Err(CaseCodeError::Length("CF-7K2M-9QX".into(), 7))
        );
        assert_eq!(
            "CF-7K2M-9QXU".parse::<CaseCode>(),
            Err(CaseCodeError::Symbol('U'))
        );
        assert_eq!(
            "CF-7K2M-9QX!".parse::<CaseCode>(),
            Err(CaseCodeError::Symbol('!'))
        );
    }
}
