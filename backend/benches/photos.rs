//! What a photo from a tablet's camera costs to take in (`cargo bench -p jiaofu --bench photos`):
//! checking, turning upright, stripping and scaling it to the kept, print and thumbnail sizes
//! (`files::photo::prepare`), for a 12-megapixel picture (4032 × 3024, as phone and tablet cameras
//! write them) with a textured scene so its JPEG is as large as a camera's.
//!
//! Reported: the upload's size, the time per photo (median of 7, release build, one core), the
//! sizes kept, and the peak resident memory of this process.
use std::time::Instant;

use jiaofu::files::photo::prepare;

/// A camera-like JPEG: a textured scene (pseudo-random, so it compresses as a photo does), with
/// the orientation tag a camera held upright writes (6).
fn camera_photo(width: u32, height: u32) -> Vec<u8> {
    let mut state: u32 = 0x9E37_79B9;
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state & 0x1F) as u8;
        image::Rgb([
            (x / 16) as u8 ^ grain,
            (y / 12) as u8 ^ grain,
            ((x + y) / 24) as u8 ^ grain,
        ])
    });
    let mut jpeg = Vec::new();
    let encoded = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92).encode_image(&picture);
    assert!(encoded.is_ok(), "the bench's photo is encoded");
    // The orientation tag in an APP1 block, as jiaofu_tests::files::camera_jpeg writes it (without GPS).
    let tiff: Vec<u8> = [
        &b"II\x2a\x00\x08\x00\x00\x00"[..],
        &1u16.to_le_bytes(),
        &0x0112u16.to_le_bytes(),
        &3u16.to_le_bytes(),
        &1u32.to_le_bytes(),
        &[6, 0, 0, 0],
        &0u32.to_le_bytes(),
    ]
    .concat();
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    jpeg.splice(2..2, app1);
    jpeg
}

fn main() {
    let photo = camera_photo(4032, 3024);
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..7 {
        let started = Instant::now();
        let r = prepare(&photo);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        last = r.ok();
    }
    times.sort_by(f64::total_cmp);
    let Some(r) = last else {
        eprintln!("the photo was refused");
        std::process::exit(1);
    };
    let kb = |n: usize| n as f64 / 1024.0;
    println!("upload: 4032 × 3024 JPEG, {:.0} KB, orientation 6", kb(photo.len()));
    println!(
        "prepare: median {:.0} ms (min {:.0}, max {:.0}) per photo",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    println!(
        "kept {} × {}: {:.0} KB; print copy {:.0} KB; thumbnail {:.1} KB",
        r.width,
        r.height,
        kb(r.kept.len()),
        kb(r.print.len()),
        kb(r.thumb.len())
    );
    println!(
        "peak resident memory of this process: {:.0} MB",
        jiaofu_tests::process_memory_kb(std::process::id(), "VmHWM:") as f64 / 1024.0
    );
}
