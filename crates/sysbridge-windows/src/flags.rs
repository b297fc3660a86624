//! `flags!`: the bit-flag types of this crate (a `u32` newtype with named constants,
//! `|`, `&`, `contains` and a `Debug` that names the bits), `bitflags`-style without the
//! dependency.

/// Defines a `u32` bit-flag type; each flag's doc comment is required.
macro_rules! flags {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$flag_meta:meta])+ const $flag:ident = $value:expr; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(u32);

        impl $name {
            $( $(#[$flag_meta])+ pub const $flag: $name = $name($value); )+

            const NAMED: &'static [(&'static str, u32)] = &[$((stringify!($flag), $value)),+];

            /// No flag set.
            pub const fn empty() -> Self {
                $name(0)
            }

            /// The value the Win32 function takes.
            pub const fn bits(self) -> u32 {
                self.0
            }

            /// From a raw value, every bit kept (also those without a constant here).
            pub const fn from_bits_retain(bits: u32) -> Self {
                $name(bits)
            }

            /// The flags of both (`|`, usable in `const`s).
            pub const fn union(self, other: Self) -> Self {
                $name(self.0 | other.0)
            }

            /// Whether every bit of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }
        }

        impl std::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, other: Self) -> Self {
                self.union(other)
            }
        }

        impl std::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, other: Self) {
                self.0 |= other.0;
            }
        }

        impl std::ops::BitAnd for $name {
            type Output = Self;
            fn bitand(self, other: Self) -> Self {
                $name(self.0 & other.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                crate::flags::debug_bits(f, stringify!($name), self.0, Self::NAMED)
            }
        }
    };
}

pub(crate) use flags;

/// `Name(A | B | 0x40)`: the named flags contained in `bits` (in declaration order, each
/// bit named at most once), then the unnamed rest in hex; `Name(0)` when empty.
pub(crate) fn debug_bits(
    f: &mut std::fmt::Formatter<'_>,
    type_name: &str,
    bits: u32,
    named: &[(&str, u32)],
) -> std::fmt::Result {
    write!(f, "{}(", type_name)?;
    let mut rest = bits;
    let mut first = true;
    for &(name, value) in named {
        if value != 0 && bits & value == value && rest & value != 0 {
            write!(f, "{}{}", if first { "" } else { " | " }, name)?;
            rest &= !value;
            first = false;
        }
    }
    if rest != 0 || first {
        write!(f, "{}{:#x}", if first { "" } else { " | " }, rest)?;
    }
    write!(f, ")")
}

#[cfg(test)]
#[allow(unreachable_pub)] // the macro makes the sample type's items pub
mod tests {
    flags! {
        /// A test type.
        pub struct Sample {
            /// Bit 0.
            const A = 1;
            /// Bit 1.
            const B = 2;
            /// Bits 0 and 1.
            const AB = 3;
        }
    }

    #[test]
    fn operators_and_debug() {
        let ab = Sample::A | Sample::B;
        assert_eq!(ab, Sample::AB);
        assert!(ab.contains(Sample::A) && !Sample::A.contains(ab));
        assert_eq!((ab & Sample::B).bits(), 2);
        assert_eq!(format!("{:?}", Sample::A), "Sample(A)");
        assert_eq!(format!("{:?}", ab), "Sample(A | B)");
        assert_eq!(
            format!("{:?}", Sample::from_bits_retain(0x41)),
            "Sample(A | 0x40)"
        );
        assert_eq!(format!("{:?}", Sample::empty()), "Sample(0x0)");
    }
}
