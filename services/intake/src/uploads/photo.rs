//! What a photo looks like, measured on its pixels for the catalog's image
//! rules: in colour (not a black-and-white picture saved as colour), and a
//! plain, light background (the border band above and beside the head:
//! light, nearly neutral and even). The thresholds are generous: they catch
//! a grey or patterned wall and a monochrome print, not a shadow.

use image::RgbImage;
use laissez_catalog::format::ImageRules;

use super::Rejection;

/// Share of pixels with visible colour (channel spread above
/// [`COLOUR_SPREAD`]) below which a photo is taken as black and white.
const MIN_COLOURED_SHARE: f64 = 0.01;
const COLOUR_SPREAD: u8 = 24;

/// The border band measured for the background: this share of the width on
/// the left and right, and of the height at the top; the sides only down to
/// [`SIDES_DOWN_TO`] of the height (below, the shoulders reach the edges).
const BAND: f64 = 0.06;
const SIDES_DOWN_TO: f64 = 0.55;
/// A white background: mean lightness at least this, spread (standard
/// deviation) at most this, and this share of near-neutral pixels.
const MIN_MEAN_LIGHTNESS: f64 = 200.0;
const MAX_LIGHTNESS_SPREAD: f64 = 22.0;
const MIN_NEUTRAL_SHARE: f64 = 0.9;
const NEUTRAL_SPREAD: u8 = 30;

fn spread(pixel: &image::Rgb<u8>) -> u8 {
    let [r, g, b] = pixel.0;
    r.max(g).max(b) - r.min(g).min(b)
}

fn lightness(pixel: &image::Rgb<u8>) -> f64 {
    let [r, g, b] = pixel.0;
    0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b)
}

pub fn check(image: &RgbImage, rules: &ImageRules) -> Result<(), Rejection> {
    let (width, height) = image.dimensions();
    if width == 0 || height == 0 {
        return Err(Rejection::Corrupt("the image has no pixels".into()));
    }
    if rules.colour {
        let coloured = image
            .pixels()
            .filter(|pixel| spread(pixel) > COLOUR_SPREAD)
            .count();
        let share = coloured as f64 / f64::from(width) / f64::from(height);
        if share < MIN_COLOURED_SHARE {
            return Err(Rejection::NotColour);
        }
    }
    if let Some(expected) = rules.background.as_deref() {
        // Only white is declared by the catalogs so far; another colour
        // name is refused when the catalog loads.
        let side = ((f64::from(width) * BAND).ceil() as u32).max(1);
        let top = ((f64::from(height) * BAND).ceil() as u32).max(1);
        let sides_end = (f64::from(height) * SIDES_DOWN_TO) as u32;
        let band: Vec<&image::Rgb<u8>> = image
            .enumerate_pixels()
            .filter(|(x, y, _)| *y < top || (*y < sides_end && (*x < side || *x >= width - side)))
            .map(|(_, _, pixel)| pixel)
            .collect();
        let count = band.len() as f64;
        let mean = band.iter().map(|pixel| lightness(pixel)).sum::<f64>() / count;
        let deviation = (band
            .iter()
            .map(|pixel| (lightness(pixel) - mean).powi(2))
            .sum::<f64>()
            / count)
            .sqrt();
        let neutral = band
            .iter()
            .filter(|pixel| spread(pixel) <= NEUTRAL_SPREAD)
            .count() as f64
            / count;
        let found = if mean < MIN_MEAN_LIGHTNESS {
            "it is too dark"
        } else if neutral < MIN_NEUTRAL_SHARE {
            "it is coloured"
        } else if deviation > MAX_LIGHTNESS_SPREAD {
            "it is not even (a pattern, objects or strong shadows)"
        } else {
            return Ok(());
        };
        return Err(Rejection::Background {
            expected: expected.to_owned(),
            found,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use image::Rgb;

    use super::*;

    fn rules() -> ImageRules {
        ImageRules {
            width_px: Some(354),
            height_px: Some(472),
            colour: true,
            background: Some("white".into()),
            taken_within_months: None,
            rules: Vec::new(),
        }
    }

    /// A passport-style photo: `background` around an oval "face" of skin
    /// tone (or grey when `grey`), shoulders at the bottom.
    fn portrait(background: impl Fn(u32, u32) -> Rgb<u8>, grey: bool) -> RgbImage {
        RgbImage::from_fn(354, 472, |x, y| {
            let (cx, cy) = (177.0, 200.0);
            let (dx, dy) = ((f64::from(x) - cx) / 95.0, (f64::from(y) - cy) / 130.0);
            let skin = if grey {
                Rgb([150, 150, 150])
            } else {
                Rgb([224, 172, 140])
            };
            if dx * dx + dy * dy <= 1.0 || y > 400 {
                skin
            } else {
                background(x, y)
            }
        })
    }

    #[test]
    fn a_colour_photo_on_white_passes() {
        let photo = portrait(|_, _| Rgb([246, 246, 244]), false);
        assert!(check(&photo, &rules()).is_ok());
    }

    #[test]
    fn black_and_white_and_wrong_backgrounds_are_refused_with_their_reason() {
        let grey = portrait(|_, _| Rgb([246, 246, 246]), true);
        assert!(matches!(check(&grey, &rules()), Err(Rejection::NotColour)));

        let blue = portrait(|_, _| Rgb([120, 160, 230]), false);
        let refused = check(&blue, &rules()).unwrap_err().to_string();
        assert!(refused.contains("white"), "{refused}");

        let dark = portrait(|_, _| Rgb([110, 110, 110]), false);
        assert!(
            check(&dark, &rules())
                .unwrap_err()
                .to_string()
                .contains("dark")
        );

        let striped = portrait(
            |x, _| {
                if (x / 6) % 2 == 0 {
                    Rgb([255, 255, 255])
                } else {
                    Rgb([170, 170, 170])
                }
            },
            false,
        );
        assert!(
            check(&striped, &rules())
                .unwrap_err()
                .to_string()
                .contains("even")
        );
    }

    #[test]
    fn rules_without_looks_check_nothing_here() {
        let grey = portrait(|_, _| Rgb([40, 40, 40]), true);
        let plain = ImageRules {
            colour: false,
            background: None,
            ..rules()
        };
        assert!(check(&grey, &plain).is_ok());
    }
}
