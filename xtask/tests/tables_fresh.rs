//! The checked-in tables are exactly what the generator produces from today's inputs.

#[test]
fn generated_tables_are_fresh() {
    let root = xtask::workspace_root();
    for out in xtask::render_all().expect("generator runs") {
        let current = std::fs::read_to_string(root.join(out.path)).unwrap_or_default();
        assert!(
            current == out.text,
            "{} is stale: run `cargo xtask gen` and commit the result",
            out.path
        );
    }
}

#[test]
fn parses_bindgen_constants() {
    let src =
        "pub const __NR_read: u32 = 0;\npub const __NR_openat: u32 = 257;\npub const X: u32 = 1;\n";
    assert_eq!(
        xtask::parse_consts(src, "__NR_"),
        vec![
            ("__NR_read".to_string(), 0),
            ("__NR_openat".to_string(), 257)
        ]
    );
    let src = "pub const EPERM: u32 = 1;\npub const ENOENT: u32 = 2;\npub const __NR_x: u32 = 3;\n";
    assert_eq!(
        xtask::parse_consts(src, "E"),
        vec![("EPERM".to_string(), 1), ("ENOENT".to_string(), 2)]
    );
}
