//! Photos from a tablet's camera or a file, made safe to keep and to show: the bytes must be a
//! JPEG or a PNG by their magic numbers, the picture must decode within a pixel budget, and what is
//! kept is drawn again from its pixels — turned upright as the camera's orientation tag says, at
//! most 2560 px, as a JPEG — so no metadata survives: no GPS position, no camera serial, no
//! embedded thumbnail of what was cropped. A print copy (1200 px, for the forms' appendix) and a
//! thumbnail (320 px, for the pages) are made from the same pixels.
use std::io::Cursor;

use image::{
    DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage, codecs::jpeg::JpegEncoder,
    metadata::Orientation,
};

/// The longest side of the photo as kept: enough to read a serial plate on a 4:3 picture.
pub const KEPT_SIDE: u32 = 2560;
/// About 10 cm at 300 dpi: the appendix prints two photos side by side.
pub const PRINT_SIDE: u32 = 1200;
/// Twice the 160 px a thumbnail takes on a page, for high-density screens.
pub const THUMB_SIDE: u32 = 320;
/// A picture wider or taller than this is refused before it is decoded (a 100-megapixel camera
/// takes 12,288 px; a "decompression bomb" claims far more).
const MAX_SIDE: u32 = 16_384;
/// Memory the decoder may take for one picture.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// Why a file is not taken as a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Neither a JPEG nor a PNG by its first bytes (a HEIC, a PDF, a renamed file).
    NotJpegOrPng,
    /// Starts like one but does not decode, or is larger than the decoder may take.
    Unreadable(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotJpegOrPng => f.write_str("file: a photo must be a JPEG or PNG picture"),
            Refusal::Unreadable(why) => write!(f, "file: the picture cannot be read: {why}"),
        }
    }
}

/// The three renditions of one photo, each a JPEG without metadata.
#[derive(Debug)]
pub struct Renditions {
    pub kept: Vec<u8>,
    pub print: Vec<u8>,
    pub thumb: Vec<u8>,
    /// Of the photo as kept, upright.
    pub width: u32,
    pub height: u32,
}

/// JPEG or PNG, by the file's first bytes; never by its name or the type the browser claimed.
fn format_of(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else {
        None
    }
}

/// Checks, turns upright, strips and scales a photo. CPU-bound: call it off the async runtime.
pub fn prepare(bytes: &[u8]) -> Result<Renditions, Refusal> {
    let format = format_of(bytes).ok_or(Refusal::NotJpegOrPng)?;
    let unreadable = |e: image::ImageError| Refusal::Unreadable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    let kept = within(&on_white(&picture), KEPT_SIDE);
    let print = within(&kept, PRINT_SIDE);
    let thumb = within(&print, THUMB_SIDE);
    Ok(Renditions {
        width: kept.width(),
        height: kept.height(),
        kept: jpeg(&kept, 85).map_err(unreadable)?,
        print: jpeg(&print, 80).map_err(unreadable)?,
        thumb: jpeg(&thumb, 75).map_err(unreadable)?,
    })
}

/// RGB pixels; a transparent PNG is laid on white, as it would be on paper.
fn on_white(picture: &DynamicImage) -> RgbImage {
    if !picture.color().has_alpha() {
        return picture.to_rgb8();
    }
    let rgba = picture.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

/// Scaled down so its longer side is at most `side`; a smaller picture is kept as it is. Each
/// output pixel averages the input pixels it covers (`imageops::thumbnail`): as sharp as a
/// filtered resize when shrinking a photo, and without the filter's floating-point copy of the
/// picture (some 165 MB for a 12-megapixel one).
fn within(picture: &RgbImage, side: u32) -> RgbImage {
    let (w, h) = picture.dimensions();
    if w.max(h) <= side {
        return picture.clone();
    }
    // The shorter side in proportion, rounded to the nearest pixel.
    let scaled = |short: u32, long: u32| {
        ((u64::from(short) * u64::from(side) + u64::from(long) / 2) / u64::from(long)).max(1) as u32
    };
    let (nw, nh) = if w >= h {
        (side, scaled(h, w))
    } else {
        (scaled(w, h), side)
    };
    image::imageops::thumbnail(picture, nw, nh)
}

fn jpeg(picture: &RgbImage, quality: u8) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality).encode_image(picture)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiaofu_tests::files::{GPS_LATITUDE, camera_jpeg};

    #[test]
    fn a_camera_photo_is_turned_upright_and_keeps_no_location() {
        // 80×40 as stored, orientation 6: the camera was held upright, so the picture is 40×80.
        let original = camera_jpeg(80, 40, 6);
        assert!(
            original.windows(6).any(|w| w == b"Exif\0\0"),
            "the test photo carries EXIF"
        );
        let r = prepare(&original).expect("prepared");
        assert_eq!((r.width, r.height), (40, 80));
        for kept in [&r.kept, &r.print, &r.thumb] {
            assert!(kept.starts_with(&[0xFF, 0xD8, 0xFF]));
            assert!(!kept.windows(4).any(|w| w == b"Exif"), "no EXIF block survives");
            assert!(!kept.windows(GPS_LATITUDE.len()).any(|w| w == GPS_LATITUDE));
            let back = image::load_from_memory(kept).expect("decodes");
            assert_eq!((back.width(), back.height()), (40, 80));
        }
    }

    #[test]
    fn a_large_photo_is_scaled_to_the_kept_print_and_thumbnail_sizes() {
        let original = camera_jpeg(3000, 2000, 1);
        let r = prepare(&original).expect("prepared");
        assert_eq!((r.width, r.height), (KEPT_SIDE, 1707));
        let side = |b: &[u8]| {
            let i = image::load_from_memory(b).expect("decodes");
            (i.width(), i.height())
        };
        assert_eq!(side(&r.print), (PRINT_SIDE, 800));
        assert_eq!(side(&r.thumb), (THUMB_SIDE, 213));
    }

    #[test]
    fn a_transparent_png_is_laid_on_white() {
        let mut png = Vec::new();
        image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 0, 0]))
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .expect("png");
        let r = prepare(&png).expect("prepared");
        let back = image::load_from_memory(&r.kept).expect("decodes").to_rgb8();
        assert!(back.get_pixel(1, 1).0.iter().all(|c| *c > 240), "white, not black");
    }

    #[test]
    fn files_that_are_not_photos_are_refused_by_their_bytes() {
        assert_eq!(
            prepare(b"%PDF-1.7 renamed.jpg").expect_err("a PDF"),
            Refusal::NotJpegOrPng
        );
        assert_eq!(prepare(b"").expect_err("nothing"), Refusal::NotJpegOrPng);
        assert!(matches!(
            prepare(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).expect_err("a JPEG header alone"),
            Refusal::Unreadable(_)
        ));
        // A PNG header claiming 100,000 × 100,000 pixels is refused before anything is allocated.
        let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(prepare(&bomb).expect_err("a bomb"), Refusal::Unreadable(_)));
    }
}
