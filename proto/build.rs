//! Compiles every `.proto` under `laissez/` with protox (pure Rust: no protoc
//! needed on a fresh machine) and generates prost messages and tonic clients and servers.

use std::path::{Path, PathBuf};

fn collect_protos(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(&path, found)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            found.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new("laissez");
    let mut protos = Vec::new();
    collect_protos(root, &mut protos)?;
    protos.sort();
    println!("cargo:rerun-if-changed=laissez");

    let descriptors = protox::compile(&protos, ["."])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("laissez_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    // Type names let events travel in `google.protobuf.Any` with their full name.
    let mut config = prost_build::Config::new();
    config.enable_type_names();
    tonic_prost_build::configure().compile_fds_with_config(descriptors, config)?;
    Ok(())
}
