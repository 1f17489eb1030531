//! The push job (stub of the foundation commit: the push helper writes it).
