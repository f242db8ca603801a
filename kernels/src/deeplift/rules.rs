//! DeepLIFT rules (being written).
