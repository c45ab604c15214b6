//! The integrity half of a JPEG decode, without the pixels: every marker
//! segment parsed, every Huffman table built and checked, and every block of
//! every scan entropy-decoded (each code must exist in its table, each
//! coefficient must fall inside its block, restart markers must come in
//! order, and each scan must hold every block of the picture). What a full
//! decode does on top (dequantising, inverse DCT, upsampling, colour
//! conversion) cannot fail on coefficients that passed here, so it proves
//! nothing more; it costs most of the time and a buffer of width × height ×
//! 3 bytes, neither of which this needs.
//!
//! Sequential Huffman JPEGs (baseline and extended, 8-bit) are checked here.
//! Progressive ones are answered [`Coding::Progressive`], for the caller to
//! decode in full; every other coding process (arithmetic, lossless,
//! hierarchical, 12-bit) is refused, as the decoder behind the full decode
//! refuses them. Work is bounded by the file's size: each block takes at
//! least two bits.

use super::{Rejection, corrupt};

/// What [`check`] found the file to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// Sequential: every scan was checked.
    Sequential,
    /// Progressive: not checked here.
    Progressive,
}

const FAST_BITS: u32 = 10;

/// The bits that follow a code: a DC symbol is their count; an AC symbol
/// holds it in its low four bits (the high four are the run of zeros).
fn extra_bits(symbol: u8, dc: bool) -> u32 {
    u32::from(if dc { symbol } else { symbol & 15 })
}

/// A Huffman table as canonical codes: a lookup on the next [`FAST_BITS`]
/// bits for short codes, the longest code of each length for the rest.
struct Table {
    /// For codes up to [`FAST_BITS`] long, `bits << 8 | symbol` where `bits`
    /// is the code's length plus its extra bits; 0 otherwise.
    fast: [u16; 1 << FAST_BITS],
    /// Largest code of each length (index 1..=16), -1 when none.
    max_code: [i32; 17],
    /// Index into `symbols` of the first code of each length, less that code.
    offset: [i32; 17],
    symbols: [u8; 256],
}

impl Table {
    /// Builds the table from a DHT segment's 16 counts and its symbols,
    /// refusing code sets that do not fit their lengths (as libjpeg does:
    /// a code of all one bits is not allowed either).
    fn build(counts: &[u8; 16], symbols: &[u8], dc: bool) -> Result<Box<Table>, Rejection> {
        let mut table = Box::new(Table {
            fast: [0; 1 << FAST_BITS],
            max_code: [-1; 17],
            offset: [0; 17],
            symbols: [0; 256],
        });
        table.symbols[..symbols.len()].copy_from_slice(symbols);
        let mut code: u32 = 0;
        let mut index: usize = 0;
        for length in 1..=16u32 {
            let count = usize::from(counts[length as usize - 1]);
            if count > 0 {
                table.offset[length as usize] = index as i32 - code as i32;
                for _ in 0..count {
                    // The code must fit its length and not be all one bits.
                    if code + 1 >= 1 << length {
                        return Err(corrupt("a Huffman table has more codes than fit"));
                    }
                    if length <= FAST_BITS {
                        let shift = FAST_BITS - length;
                        let first = (code << shift) as usize;
                        let bits = length + extra_bits(symbols[index], dc);
                        for entry in &mut table.fast[first..first + (1 << shift)] {
                            *entry = (bits as u16) << 8 | u16::from(symbols[index]);
                        }
                    }
                    code += 1;
                    index += 1;
                }
                table.max_code[length as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        Ok(table)
    }
}

/// Entropy-coded data read MSB first from a 64-bit buffer. Stuffed zero
/// bytes are removed; a marker stops the reading, and reading past it is an
/// error (the picture ends before all of its blocks).
struct Bits<'a> {
    data: &'a [u8],
    position: usize,
    buffer: u64,
    /// Valid bits at the top of `buffer`.
    count: u32,
    /// A marker (or the end of the file) was reached at `position`.
    stopped: bool,
}

const ENDED: &str = "the image data ends before the picture is complete";

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], position: usize) -> Self {
        Bits {
            data,
            position,
            buffer: 0,
            count: 0,
            stopped: false,
        }
    }

    #[inline]
    fn refill(&mut self) {
        while self.count <= 56 && !self.stopped {
            // Eight bytes at once when none of them is 0xFF.
            if let Some(next) = self.data.get(self.position..self.position + 8) {
                let word = u64::from_be_bytes(next.try_into().expect("eight bytes"));
                let inverted = !word;
                let has_ff = inverted.wrapping_sub(0x0101_0101_0101_0101)
                    & !inverted
                    & 0x8080_8080_8080_8080;
                if has_ff == 0 {
                    let bytes = (64 - self.count) / 8;
                    let bits = bytes * 8;
                    // The first `bytes` bytes of `word`, below the valid bits.
                    let taken = if bits == 64 {
                        word
                    } else {
                        word & !(u64::MAX >> bits)
                    };
                    self.buffer |= taken >> self.count;
                    self.count += bits;
                    self.position += bytes as usize;
                    continue;
                }
            }
            let Some(&byte) = self.data.get(self.position) else {
                self.stopped = true;
                return;
            };
            if byte == 0xFF {
                match self.data.get(self.position + 1) {
                    Some(0x00) => self.position += 2,
                    _ => {
                        self.stopped = true;
                        return;
                    }
                }
            } else {
                self.position += 1;
            }
            self.buffer |= u64::from(byte) << (56 - self.count);
            self.count += 8;
        }
    }

    /// The code at the top of `buffer` by the table's slow path: its length
    /// and symbol.
    #[cold]
    fn long_code(table: &Table, buffer: u64) -> Option<(u32, u8)> {
        (FAST_BITS + 1..=16).find_map(|length| {
            let code = (buffer >> (64 - length)) as i32;
            (code <= table.max_code[length as usize]).then(|| {
                let index = table.offset[length as usize] + code;
                (length, table.symbols[index as usize])
            })
        })
    }

    /// One 8×8 block: its DC difference and its AC coefficients. Each code
    /// is skipped with its extra bits in one step (the values themselves
    /// are not needed); the bit buffer stays in registers between refills.
    #[inline]
    fn block(&mut self, dc: &Table, ac: &Table) -> Result<(), Rejection> {
        let (mut buffer, mut count) = (self.buffer, self.count);
        // A code (16 bits at most) and its extra bits (11 at most).
        const NEEDED: u32 = 27;
        macro_rules! refill {
            () => {
                if count < NEEDED {
                    self.buffer = buffer;
                    self.count = count;
                    self.refill();
                    buffer = self.buffer;
                    count = self.count;
                }
            };
        }
        // The next code of `$table`: its symbol, after skipping it and its
        // extra bits.
        macro_rules! next {
            ($table:expr, $dc:expr) => {{
                let fast = $table.fast[(buffer >> (64 - FAST_BITS)) as usize];
                let (total, symbol) = if fast != 0 {
                    (u32::from(fast >> 8), fast as u8)
                } else {
                    let (length, symbol) = Self::long_code($table, buffer).ok_or_else(|| {
                        corrupt(if self.stopped && count < 16 {
                            ENDED
                        } else {
                            "the image data holds a code its Huffman table does not have"
                        })
                    })?;
                    (length + extra_bits(symbol, $dc), symbol)
                };
                if total > count {
                    return Err(corrupt(ENDED));
                }
                buffer <<= total;
                count -= total;
                symbol
            }};
        }
        refill!();
        if next!(dc, true) > 11 {
            return Err(corrupt("a DC difference is out of range"));
        }
        let mut k = 1;
        while k < 64 {
            refill!();
            let symbol = next!(ac, false);
            let (run, size) = (u32::from(symbol >> 4), symbol & 15);
            if size == 0 {
                if run != 15 {
                    break;
                }
                k += 16;
            } else {
                k += run + 1;
                if k > 64 || size > 10 {
                    return Err(corrupt("a block has a coefficient out of range"));
                }
            }
        }
        if k > 64 {
            return Err(corrupt("a block has a coefficient out of range"));
        }
        self.buffer = buffer;
        self.count = count;
        Ok(())
    }

    /// Drops the bits left before a marker and finds that marker, skipping
    /// stray bytes before it (as decoders do, with a warning). Returns the
    /// marker's position.
    fn finish(self) -> usize {
        let mut position = self.position;
        loop {
            match memchr::memchr(0xFF, &self.data[position.min(self.data.len())..]) {
                None => return self.data.len(),
                Some(offset) => {
                    position += offset;
                    match self.data.get(position + 1) {
                        Some(0x00) => position += 2,
                        // Fill bytes before the marker.
                        Some(0xFF) => position += 1,
                        _ => return position,
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Component {
    id: u8,
    horizontal: u32,
    vertical: u32,
    quantization: u8,
    coded: bool,
}

struct Frame {
    width: u32,
    height: u32,
    components: Vec<Component>,
    max_horizontal: u32,
    max_vertical: u32,
}

fn segment(content: &[u8], position: usize) -> Result<&[u8], Rejection> {
    let length = content
        .get(position..position + 2)
        .map(|bytes| usize::from(u16::from_be_bytes([bytes[0], bytes[1]])))
        .ok_or_else(|| corrupt("truncated segment"))?;
    if length < 2 {
        return Err(corrupt("bad segment length"));
    }
    content
        .get(position + 2..position + length)
        .ok_or_else(|| corrupt("truncated segment"))
}

fn quantization_tables(body: &[u8], defined: &mut [bool; 4]) -> Result<(), Rejection> {
    let mut rest = body;
    while let Some((&info, tail)) = rest.split_first() {
        let (precision, slot) = (info >> 4, usize::from(info & 15));
        let size = match precision {
            0 => 64,
            1 => 128,
            _ => return Err(corrupt("bad quantization table precision")),
        };
        if slot > 3 || tail.len() < size {
            return Err(corrupt("bad quantization table"));
        }
        defined[slot] = true;
        rest = &tail[size..];
    }
    Ok(())
}

type Tables = [Option<Box<Table>>; 4];

fn huffman_tables(body: &[u8], dc: &mut Tables, ac: &mut Tables) -> Result<(), Rejection> {
    let mut rest = body;
    while let Some((&info, tail)) = rest.split_first() {
        let (class, slot) = (info >> 4, usize::from(info & 15));
        if class > 1 || slot > 3 || tail.len() < 16 {
            return Err(corrupt("bad Huffman table"));
        }
        let counts: [u8; 16] = tail[..16].try_into().expect("sixteen counts");
        let total: usize = counts.iter().map(|count| usize::from(*count)).sum();
        let symbols = tail
            .get(16..16 + total)
            .filter(|_| total <= 256)
            .ok_or_else(|| corrupt("bad Huffman table"))?;
        // A DC symbol is a bit count (decoders refuse tables with one above 15).
        if class == 0 && symbols.iter().any(|symbol| *symbol > 15) {
            return Err(corrupt("bad Huffman table"));
        }
        let table = Table::build(&counts, symbols, class == 0)?;
        if class == 0 {
            dc[slot] = Some(table);
        } else {
            ac[slot] = Some(table);
        }
        rest = &tail[16 + total..];
    }
    Ok(())
}

fn frame(body: &[u8]) -> Result<Frame, Rejection> {
    let [precision, h0, h1, w0, w1, count, rest @ ..] = body else {
        return Err(corrupt("truncated frame header"));
    };
    if *precision != 8 {
        return Err(corrupt("only 8-bit JPEG images are accepted"));
    }
    let height = u32::from(u16::from_be_bytes([*h0, *h1]));
    let width = u32::from(u16::from_be_bytes([*w0, *w1]));
    if width == 0 || height == 0 {
        return Err(corrupt("the image has no size in its frame header"));
    }
    let count = usize::from(*count);
    if !(1..=4).contains(&count) || rest.len() != count * 3 {
        return Err(corrupt("bad component count"));
    }
    let mut components = Vec::with_capacity(count);
    for spec in rest.chunks_exact(3) {
        let (horizontal, vertical) = (u32::from(spec[1] >> 4), u32::from(spec[1] & 15));
        // 1, 2 or 4: decoders do not upsample by other factors.
        let supported = |factor: u32| matches!(factor, 1 | 2 | 4);
        if !supported(horizontal) || !supported(vertical) || spec[2] > 3 {
            return Err(corrupt("unsupported component sampling"));
        }
        if components.iter().any(|c: &Component| c.id == spec[0]) {
            return Err(corrupt("a component is declared twice"));
        }
        components.push(Component {
            id: spec[0],
            horizontal,
            vertical,
            quantization: spec[2],
            coded: false,
        });
    }
    let max_horizontal = components.iter().map(|c| c.horizontal).max().unwrap_or(1);
    let max_vertical = components.iter().map(|c| c.vertical).max().unwrap_or(1);
    Ok(Frame {
        width,
        height,
        components,
        max_horizontal,
        max_vertical,
    })
}

/// Components of a scan, by index into the frame, with their tables.
struct ScanComponent<'t> {
    blocks: u32,
    component: usize,
    dc: &'t Table,
    ac: &'t Table,
}

struct Scan<'t> {
    components: Vec<ScanComponent<'t>>,
    mcus: u64,
}

fn scan<'t>(
    body: &[u8],
    frame: &mut Frame,
    quantization: &[bool; 4],
    dc: &'t Tables,
    ac: &'t Tables,
) -> Result<Scan<'t>, Rejection> {
    let (&count, rest) = body
        .split_first()
        .ok_or_else(|| corrupt("truncated scan header"))?;
    let count = usize::from(count);
    if !(1..=4).contains(&count) || rest.len() != count * 2 + 3 {
        return Err(corrupt("bad scan header"));
    }
    let (specs, tail) = rest.split_at(count * 2);
    if tail != [0, 63, 0] {
        return Err(corrupt("bad scan parameters for a sequential JPEG"));
    }
    let mut components = Vec::with_capacity(count);
    for spec in specs.chunks_exact(2) {
        let index = frame
            .components
            .iter()
            .position(|c| c.id == spec[0])
            .ok_or_else(|| corrupt("a scan names a component the frame does not have"))?;
        let component = &mut frame.components[index];
        if component.coded {
            return Err(corrupt("a component is coded twice"));
        }
        component.coded = true;
        if !quantization[usize::from(component.quantization)] {
            return Err(corrupt("a quantization table is missing"));
        }
        let (dc_slot, ac_slot) = (usize::from(spec[1] >> 4), usize::from(spec[1] & 15));
        let table = |tables: &'t Tables, slot: usize| {
            tables
                .get(slot)
                .and_then(|table| table.as_deref())
                .ok_or_else(|| corrupt("a Huffman table is missing"))
        };
        components.push(ScanComponent {
            blocks: component.horizontal * component.vertical,
            component: index,
            dc: table(dc, dc_slot)?,
            ac: table(ac, ac_slot)?,
        });
    }
    let mcus = if count == 1 {
        // Not interleaved: one block per MCU, over the component's own size.
        let component = frame.components[components[0].component];
        components[0].blocks = 1;
        let width = (frame.width * component.horizontal).div_ceil(frame.max_horizontal);
        let height = (frame.height * component.vertical).div_ceil(frame.max_vertical);
        u64::from(width.div_ceil(8)) * u64::from(height.div_ceil(8))
    } else {
        if components.iter().map(|c| c.blocks).sum::<u32>() > 10 {
            return Err(corrupt("an MCU has more than ten blocks"));
        }
        u64::from(frame.width.div_ceil(8 * frame.max_horizontal))
            * u64::from(frame.height.div_ceil(8 * frame.max_vertical))
    };
    Ok(Scan { components, mcus })
}

/// Entropy-decodes one scan starting at `position`; returns where the
/// marker after it starts.
fn walk(
    content: &[u8],
    position: usize,
    scan: &Scan<'_>,
    restart_interval: u64,
) -> Result<usize, Rejection> {
    let mut bits = Bits::new(content, position);
    let mut expected_restart: u8 = 0;
    for mcu in 0..scan.mcus {
        if restart_interval > 0 && mcu > 0 && mcu % restart_interval == 0 {
            let marker = bits.finish();
            if content.get(marker + 1) != Some(&(0xD0 + expected_restart)) {
                return Err(corrupt("a restart marker is missing or out of order"));
            }
            expected_restart = (expected_restart + 1) % 8;
            bits = Bits::new(content, marker + 2);
        }
        for component in &scan.components {
            for _ in 0..component.blocks {
                bits.block(component.dc, component.ac)?;
            }
        }
    }
    Ok(bits.finish())
}

/// Checks a JPEG's structure and, for sequential JPEGs, every block of
/// every scan (see the module's documentation).
pub fn check(content: &[u8]) -> Result<Coding, Rejection> {
    if !content.starts_with(&[0xFF, 0xD8]) {
        return Err(corrupt("no JPEG start marker"));
    }
    let mut position = 2;
    let mut quantization = [false; 4];
    let mut dc: Tables = Default::default();
    let mut ac: Tables = Default::default();
    let mut frame_header: Option<Frame> = None;
    let mut restart_interval: u64 = 0;
    loop {
        while content.get(position) == Some(&0xFF) && content.get(position + 1) == Some(&0xFF) {
            position += 1;
        }
        if position + 1 >= content.len() {
            return Err(corrupt("no end of image"));
        }
        if content[position] != 0xFF {
            return Err(corrupt("a JPEG marker was expected"));
        }
        let marker = content[position + 1];
        position += 2;
        match marker {
            0xD9 => break,
            0xD0..=0xD7 | 0x01 => continue,
            _ => {}
        }
        let body = segment(content, position)?;
        let next = position + 2 + body.len();
        match marker {
            0xC0 | 0xC1 => {
                if frame_header.is_some() {
                    return Err(corrupt("more than one frame"));
                }
                frame_header = Some(frame(body)?);
            }
            0xC2 => return Ok(Coding::Progressive),
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(corrupt(
                    "unsupported JPEG coding (lossless, hierarchical or arithmetic)",
                ));
            }
            0xC4 => huffman_tables(body, &mut dc, &mut ac)?,
            0xDB => quantization_tables(body, &mut quantization)?,
            0xDD => {
                let [high, low] = body else {
                    return Err(corrupt("bad restart interval"));
                };
                restart_interval = u64::from(u16::from_be_bytes([*high, *low]));
            }
            0xDC => return Err(corrupt("images sized by a DNL marker are not accepted")),
            // Adobe's segment names the colour transform; decoders refuse
            // one they do not know.
            0xEE if body.starts_with(b"Adobe") && !matches!(body.get(11), Some(0..=2)) => {
                return Err(corrupt("bad Adobe colour transform"));
            }
            0xDA => {
                let frame = frame_header
                    .as_mut()
                    .ok_or_else(|| corrupt("a scan comes before the frame header"))?;
                let scan = scan(body, frame, &quantization, &dc, &ac)?;
                position = walk(content, next, &scan, restart_interval)?;
                continue;
            }
            _ => {}
        }
        position = next;
    }
    let frame = frame_header.ok_or_else(|| corrupt("no frame header"))?;
    if frame.components.iter().any(|component| !component.coded) {
        return Err(corrupt(ENDED));
    }
    Ok(Coding::Sequential)
}

#[cfg(test)]
mod tests {
    use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

    use super::*;

    /// Deterministic pixels: smooth gradients with some noise, so both short
    /// and long codes occur.
    fn pixels(width: u16, height: u16, channels: usize, seed: u32) -> Vec<u8> {
        let mut state = seed | 1;
        let mut data = Vec::with_capacity(usize::from(width) * usize::from(height) * channels);
        for y in 0..height {
            for x in 0..width {
                for channel in 0..channels {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    let smooth = (u32::from(x) * 3 + u32::from(y) * 5 + channel as u32 * 40) as u8;
                    data.push(smooth.wrapping_add((state % 24) as u8));
                }
            }
        }
        data
    }

    struct Case {
        width: u16,
        height: u16,
        color: ColorType,
        sampling: SamplingFactor,
        restart: u16,
        optimized: bool,
        progressive: bool,
        quality: u8,
    }

    fn encode(case: &Case) -> Vec<u8> {
        let channels = match case.color {
            ColorType::Luma => 1,
            ColorType::Rgb => 3,
            _ => 4,
        };
        let mut out = Vec::new();
        let mut encoder = Encoder::new(&mut out, case.quality);
        encoder.set_sampling_factor(case.sampling);
        encoder.set_restart_interval(case.restart);
        encoder.set_optimized_huffman_tables(case.optimized);
        encoder.set_progressive(case.progressive);
        encoder
            .encode(
                &pixels(case.width, case.height, channels, u32::from(case.width)),
                case.width,
                case.height,
                case.color,
            )
            .expect("encoding");
        out
    }

    fn cases() -> Vec<Case> {
        let mut cases = Vec::new();
        let sizes = [(1, 1), (7, 9), (16, 16), (33, 17), (64, 40)];
        let samplings = [
            SamplingFactor::F_1_1,
            SamplingFactor::F_2_1,
            SamplingFactor::F_1_2,
            SamplingFactor::F_2_2,
            SamplingFactor::F_4_1,
            SamplingFactor::F_2_4,
        ];
        for (index, (width, height)) in sizes.into_iter().enumerate() {
            for (turn, sampling) in samplings.into_iter().enumerate() {
                for color in [
                    ColorType::Rgb,
                    ColorType::Luma,
                    ColorType::Cmyk,
                    ColorType::Ycck,
                ] {
                    let restart = [0, 1, 3][(index + turn) % 3];
                    cases.push(Case {
                        width,
                        height,
                        color,
                        sampling,
                        restart,
                        // The encoder cannot optimise tables with restarts.
                        optimized: restart == 0 && (index + turn) % 2 == 0,
                        progressive: false,
                        quality: [30, 75, 95, 100][(index + turn) % 4],
                    });
                }
            }
        }
        cases
    }

    /// The reference: the full decode the images module runs otherwise (a
    /// panic in it counts as a failure).
    fn decodes(content: &[u8]) -> bool {
        std::panic::catch_unwind(|| {
            image::load_from_memory_with_format(content, image::ImageFormat::Jpeg).is_ok()
        })
        .unwrap_or(false)
    }

    #[test]
    fn sequential_jpegs_of_every_sampling_and_restart_interval_are_accepted() {
        for case in cases() {
            let jpeg = encode(&case);
            assert_eq!(
                check(&jpeg),
                Ok(Coding::Sequential),
                "{}x{} {:?} {:?} restart {}",
                case.width,
                case.height,
                case.color,
                case.sampling,
                case.restart
            );
        }
        // The image crate's own encoder (the benchmark's and tests' files).
        let image =
            image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 90]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&image)
            .unwrap();
        assert_eq!(check(&out), Ok(Coding::Sequential));
    }

    #[test]
    fn progressive_jpegs_are_left_to_the_full_decode() {
        let jpeg = encode(&Case {
            width: 48,
            height: 32,
            color: ColorType::Rgb,
            sampling: SamplingFactor::F_2_2,
            restart: 0,
            optimized: true,
            progressive: true,
            quality: 80,
        });
        assert_eq!(check(&jpeg), Ok(Coding::Progressive));
    }

    fn scan_start(jpeg: &[u8]) -> usize {
        let sos = jpeg
            .windows(2)
            .position(|pair| pair == [0xFF, 0xDA])
            .unwrap();
        sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]))
    }

    fn rgb(restart: u16) -> Vec<u8> {
        encode(&Case {
            width: 64,
            height: 48,
            color: ColorType::Rgb,
            sampling: SamplingFactor::F_2_2,
            restart,
            optimized: false,
            progressive: false,
            quality: 90,
        })
    }

    #[test]
    fn a_picture_cut_short_is_refused() {
        let jpeg = rgb(0);
        let start = scan_start(&jpeg);
        for keep in [
            start,
            start + 1,
            start + (jpeg.len() - start) / 2,
            jpeg.len() - 40,
        ] {
            let mut cut = jpeg[..keep].to_vec();
            cut.extend_from_slice(&[0xFF, 0xD9]);
            assert_eq!(
                check(&cut),
                Err(Rejection::Corrupt(ENDED.into())),
                "cut at {keep}"
            );
        }
        assert_eq!(
            check(&jpeg[..jpeg.len() - 2]),
            Err(Rejection::Corrupt("no end of image".into()))
        );
    }

    #[test]
    fn restart_markers_must_come_in_order() {
        let jpeg = rgb(1);
        let first = (scan_start(&jpeg)..jpeg.len())
            .find(|&at| jpeg[at] == 0xFF && (0xD0..=0xD7).contains(&jpeg[at + 1]))
            .unwrap();
        assert_eq!(jpeg[first + 1], 0xD0);
        let mut wrong = jpeg.clone();
        wrong[first + 1] = 0xD3;
        assert!(matches!(check(&wrong), Err(Rejection::Corrupt(_))));
        let mut missing = jpeg.clone();
        missing.drain(first..first + 2);
        assert!(matches!(check(&missing), Err(Rejection::Corrupt(_))));
    }

    #[test]
    fn impossible_huffman_tables_are_refused() {
        // Three codes of length 1 cannot exist.
        let mut counts = [0u8; 16];
        counts[0] = 3;
        assert!(Table::build(&counts, &[1, 2, 3], false).is_err());
        // Two codes of length 1 would use the all-ones code.
        counts[0] = 2;
        assert!(Table::build(&counts, &[1, 2], false).is_err());
        counts[0] = 1;
        assert!(Table::build(&counts, &[1], false).is_ok());
    }

    #[test]
    fn unsupported_codings_and_missing_parts_are_refused() {
        let jpeg = rgb(0);
        let sof = jpeg
            .windows(2)
            .position(|pair| pair == [0xFF, 0xC0])
            .unwrap();
        for (marker, refused) in [(0xC3u8, true), (0xC9, true), (0xC1, false)] {
            let mut other = jpeg.clone();
            other[sof + 1] = marker;
            assert_eq!(check(&other).is_err(), refused, "SOF {marker:#x}");
        }
        // No Huffman tables at all.
        let mut stripped = jpeg.clone();
        while let Some(dht) = stripped.windows(2).position(|pair| pair == [0xFF, 0xC4]) {
            let length = usize::from(u16::from_be_bytes([stripped[dht + 2], stripped[dht + 3]]));
            stripped.drain(dht..dht + 2 + length);
        }
        assert_eq!(
            check(&stripped),
            Err(Rejection::Corrupt("a Huffman table is missing".into()))
        );
    }

    /// Damaged files: whatever this check lets through, the full decode it
    /// replaces must be able to decode.
    #[test]
    fn nothing_accepted_here_fails_the_full_decode() {
        let mut state: u32 = 0x9e37_79b9;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as usize
        };
        let (mut accepted, mut refused) = (0, 0);
        for (index, case) in cases().into_iter().enumerate().filter(|(i, _)| i % 5 == 0) {
            let original = encode(&case);
            // The reference cannot decode some valid files (CMYK at 4:1:1).
            if !decodes(&original) {
                continue;
            }
            let start = scan_start(&original);
            for _ in 0..400 {
                let mut damaged = original.clone();
                match next() % 4 {
                    // A byte of the image data changed.
                    0 | 1 => {
                        let at = start + next() % (damaged.len() - start - 2);
                        damaged[at] = next() as u8;
                    }
                    // A byte anywhere changed.
                    2 => {
                        let at = next() % damaged.len();
                        damaged[at] ^= 1 << (next() % 8);
                    }
                    // A run of image data removed.
                    _ => {
                        let at = start + next() % (damaged.len() - start - 2);
                        let end = (at + 1 + next() % 16).min(damaged.len() - 2);
                        damaged.drain(at..end);
                    }
                }
                match check(&damaged) {
                    Ok(Coding::Sequential) => {
                        accepted += 1;
                        assert!(
                            decodes(&damaged),
                            "case {index}: accepted but undecodable: {:?}",
                            image::load_from_memory_with_format(&damaged, image::ImageFormat::Jpeg)
                                .err()
                        );
                    }
                    Ok(Coding::Progressive) => {}
                    Err(_) => refused += 1,
                }
            }
        }
        assert!(
            accepted > 0 && refused > 0,
            "{accepted} accepted, {refused} refused"
        );
    }
}
