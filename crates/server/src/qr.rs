//! QR codes as PNG images, for the `qrcode` link of a pending TOTP factor: the `qrcode`
//! crate lays out the modules, `png` writes an 8-bit grayscale image with a four-module
//! quiet zone, each module drawn as a square of pixels.

/// Pixels per QR module.
const SCALE: usize = 6;
/// Light modules around the code, as the QR specification asks.
const QUIET_ZONE: usize = 4;

/// The PNG of a QR code holding `text`; `None` when the text does not fit a QR code.
pub fn png(text: &str) -> Option<Vec<u8>> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
        for y in my * SCALE..(my + 1) * SCALE {
            let row = y * side;
            if let Some(span) = pixels.get_mut(row + mx * SCALE..row + (mx + 1) * SCALE) {
                span.fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let width = u32::try_from(side).ok()?;
        let mut encoder = png::Encoder::new(&mut out, width, width);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&pixels).ok()?;
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_grayscale_png_with_a_quiet_zone() {
        let uri = "otpauth://totp/Org%3Aann%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Org";
        let bytes = png(uri).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.width, info.height);
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        // The quiet zone is white; the finder pattern's corner just inside it is black.
        let side = info.width as usize;
        assert_eq!(buf[0], 255);
        let corner = QUIET_ZONE * SCALE;
        assert_eq!(buf[corner * side + corner], 0);
        assert!(buf.iter().filter(|p| **p == 0).count() > side);
    }
}
