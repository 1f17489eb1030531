//! (Foundation placeholder: filled by its helper.)
