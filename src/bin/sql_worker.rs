//! The SQL console's Web Worker: DataFusion over a saved lakehouse, loaded
//! only when the console opens (built with the `sql` feature).

fn main() {
    console_error_panic_hook::set_once();
    #[cfg(target_arch = "wasm32")]
    lakehouse_web::sql_worker::runtime::start();
}
