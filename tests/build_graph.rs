//! `cargo build --release` and `cargo test --release` must build one dependency graph, or the
//! tests recompile Burn (~20 minutes on 2 cores). Dev-dependencies can switch on features of
//! crates the normal build also uses (feature unification); this test compares the features of
//! every crate present in both graphs, as `cargo tree` resolves them, and names any that differ.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// `crate version` -> the feature sets it is built with, from `cargo tree` over `edges`.
fn resolved_features(edges: &str) -> BTreeMap<String, BTreeSet<String>> {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree", "--locked", "--prefix", "none", "--format", "{p}|{f}", "-e", edges,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((package, features)) = line.split_once('|') else {
            continue;
        };
        // `name vX.Y.Z (path or source)`: keep name and version; drop the `(*)` repeat mark.
        let package: Vec<&str> = package.split_whitespace().take(2).collect();
        let features = features.trim_end_matches(" (*)").trim();
        graph.entry(package.join(" ")).or_default().insert(features.to_string());
    }
    graph
}

#[test]
fn build_and_test_resolve_the_same_features() {
    let normal = resolved_features("normal,build");
    let with_dev = resolved_features("normal,build,dev");
    assert!(normal.len() > 100, "cargo tree listed only {} crates", normal.len());
    let differing: Vec<String> = normal
        .iter()
        .filter_map(|(package, features)| {
            let dev = with_dev.get(package)?;
            (dev != features).then(|| format!("{package}: build {features:?}, test {dev:?}"))
        })
        .collect();
    assert!(
        differing.is_empty(),
        "dev-dependencies change features of crates the build shares (align them in Cargo.toml):\n{}",
        differing.join("\n")
    );
}
