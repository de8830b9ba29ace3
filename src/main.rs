//! The `emovox` command line. Parsing and printing only; the work lives in the library.

mod cli;

use std::process::ExitCode;

/// mimalloc instead of the system allocator: Burn's CPU backend allocates and frees many
/// tensors of 128 KiB and up per step, which glibc serves with mmap/munmap and page faults
/// (measured: BiLSTM batch 64 spent more time in the kernel than computing).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the 16th entry of `mi_option_e` in the bundled v3
/// `mimalloc.h`; its default is 1000 ms, which a test checks).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// For training and benchmarks: memory freed stays with the process instead of going back
/// to the OS a second later, so each step's tensors reuse pages rather than fault in freshly
/// zeroed ones (measured on ResNet34's step: 8-12% of its time was the kernel clearing pages).
/// The process keeps its peak footprint, which training reaches every step anyway.
pub fn keep_freed_memory() {
    // SAFETY: sets a plain option value; mimalloc reads it on its next purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

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

#[cfg(test)]
mod tests {
    use super::MI_OPTION_PURGE_DELAY;

    #[test]
    fn the_purge_delay_option_is_the_one_mimalloc_documents() {
        // SAFETY: reads an option value.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }, 1000);
    }
}
