//! The `emovox` command line. Parsing and printing only; the work lives in the library.

mod cli;

use std::process::ExitCode;

/// mimalloc instead of the system allocator: Burn's CPU backend allocates and frees many
/// tensors of 128 KiB and up per step, which glibc serves with mmap/munmap and page faults
/// (measured: BiLSTM batch 64 spent more time in the kernel than computing).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // emovox always names its device explicitly. A few Burn internals (loading optimizer state
    // on --resume) use `Device::default()`, which would open the wgpu device even for a CPU
    // run; pin that default to the CPU. Set here, before any thread exists.
    if std::env::var_os("BURN_DEVICE").is_none() {
        // SAFETY: single-threaded at this point; nothing reads the environment concurrently.
        unsafe { std::env::set_var("BURN_DEVICE", "flex") };
    }
    // Mesa's implicit Vulkan layer `device_select` connects to a Wayland display while
    // listing GPUs and, on a headless machine (no XDG_RUNTIME_DIR), prints an `error:` line
    // per probe. With no display session there is nothing for it to select by; turn it off.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() && std::env::var_os("NODEVICE_SELECT").is_none() {
        // SAFETY: as above.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
