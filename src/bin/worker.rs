//! The Web Worker entry point: the pipeline runs here, never on the UI thread.

fn main() {
    console_error_panic_hook::set_once();
    #[cfg(target_arch = "wasm32")]
    lakehouse_web::worker::runtime::start();
}
