//! A chart as a file: its SVG as drawn, or a PNG rendered from that SVG at
//! twice its size (for slides and documents). Both happen in the page; the
//! SVG is self-contained (its colours and fonts are written in it), so the
//! file looks as the chart does in light mode.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::client::save_blob;

/// The PNG's pixels per SVG pixel.
const PNG_SCALE: u32 = 2;

fn svg_blob(svg: &str) -> Option<web_sys::Blob> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(svg));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/svg+xml");
    web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()
}

/// Saves the chart `id`'s SVG as `chart-ID.svg`.
pub fn save_svg(id: &str, svg: &str) {
    if let Some(blob) = svg_blob(svg) {
        save_blob(&format!("chart-{id}.svg"), &blob);
    }
}

/// Saves the chart `id` as `chart-ID.png`: the SVG drawn on a canvas at
/// [`PNG_SCALE`] times its size, on white.
pub fn save_png(id: &str, svg: &str) {
    let Some(blob) = svg_blob(svg) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let Ok(image) = web_sys::HtmlImageElement::new() else {
        return;
    };
    let file_name = format!("chart-{id}.png");
    let loaded = image.clone();
    let source = url.clone();
    let on_load = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&source);
        let (width, height) = (loaded.natural_width(), loaded.natural_height());
        let Some(canvas) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            return;
        };
        canvas.set_width(width * PNG_SCALE);
        canvas.set_height(height * PNG_SCALE);
        let Some(context) = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        let scale = f64::from(PNG_SCALE);
        context.set_fill_style_str("#ffffff");
        context.fill_rect(
            0.0,
            0.0,
            f64::from(width) * scale,
            f64::from(height) * scale,
        );
        let _ = context.scale(scale, scale);
        let _ = context.draw_image_with_html_image_element(&loaded, 0.0, 0.0);
        let on_blob = Closure::once_into_js(move |png: Option<web_sys::Blob>| {
            if let Some(png) = png {
                save_blob(&file_name, &png);
            }
        });
        let _ = canvas.to_blob(on_blob.unchecked_ref());
    });
    image.set_onload(Some(on_load.unchecked_ref()));
    image.set_src(&url);
}
