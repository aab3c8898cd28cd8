//! Eager vs lazy: the bytes-sum job (sum the last field of an access log, `-` as nothing) done
//! by reading every line into memory first, and by a genpipe pipeline, over growing inputs.
//!
//! ```text
//! cargo run --release --example memcompare                 # 10, 50, 100, 200 MiB
//! cargo run --release --example memcompare -- 10 20 out.svg
//! ```
//!
//! Prints a table (size, peak heap, time) and writes an SVG chart of peak heap against size
//! (default `memcompare.svg` in the target directory). Inputs are generated once under the
//! target directory's `memcompare/`; nothing is written into the package directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use genpipe::mem::{CountingAlloc, measure};
use genpipe::synth::{AccessFormat, write_access_log_file};
use plotters::prelude::*;

#[path = "common/bytes_total.rs"]
mod bytes_total;

use bytes_total::{eager, lazy};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::system();

struct Row {
    mib: u64,
    eager_peak: u64,
    lazy_peak: u64,
    eager_time: Duration,
    lazy_time: Duration,
}

/// The target directory this example was built into (`CARGO_TARGET_DIR` or the package's
/// `target/`), from the executable's own path (`<target>/<profile>/examples/memcompare`): the
/// package directory itself may be read-only (a registry checkout).
fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir)
}

fn input(mib: u64) -> std::io::Result<PathBuf> {
    let dir = target_dir().join("memcompare");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("access-{mib}mb.log"));
    if !path.exists() {
        write_access_log_file(&path, mib << 20, 2008, AccessFormat::Common)?;
    }
    Ok(path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut sizes: Vec<u64> = Vec::new();
    let mut chart = target_dir().join("memcompare.svg");
    for arg in std::env::args().skip(1) {
        match arg.parse() {
            Ok(mib) => sizes.push(mib),
            Err(_) => chart = PathBuf::from(arg),
        }
    }
    if sizes.is_empty() {
        sizes = vec![10, 50, 100, 200];
    }

    let mut rows = Vec::new();
    println!(
        "{:>8} {:>14} {:>14} {:>10} {:>10}",
        "size", "eager peak", "lazy peak", "eager", "lazy"
    );
    for mib in sizes {
        let path = input(mib)?;
        let started = Instant::now();
        let (eager_total, eager_mem) = measure(|| eager(&path));
        let eager_time = started.elapsed();
        let started = Instant::now();
        let (lazy_total, lazy_mem) = measure(|| lazy(&path));
        let lazy_time = started.elapsed();
        assert_eq!(eager_total?, lazy_total?, "both jobs must agree");
        let row = Row {
            mib,
            eager_peak: eager_mem.peak_bytes,
            lazy_peak: lazy_mem.peak_bytes,
            eager_time,
            lazy_time,
        };
        println!(
            "{:>5} MiB {:>10.1} MiB {:>10.3} MiB {:>8.0} ms {:>8.0} ms",
            row.mib,
            row.eager_peak as f64 / (1 << 20) as f64,
            row.lazy_peak as f64 / (1 << 20) as f64,
            row.eager_time.as_secs_f64() * 1e3,
            row.lazy_time.as_secs_f64() * 1e3,
        );
        rows.push(row);
    }
    draw(&rows, &chart)?;
    println!("chart: {}", chart.display());
    Ok(())
}

fn draw(rows: &[Row], path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    let max_x = rows.iter().map(|r| r.mib).max().unwrap_or(1) as f64;
    let max_y = rows.iter().map(|r| mib(r.eager_peak)).fold(1.0, f64::max);
    let root = SVGBackend::new(path, (720, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Peak heap: eager vs lazy bytes sum", ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..max_x * 1.05, 0.0..max_y * 1.1)?;
    chart
        .configure_mesh()
        .x_desc("input (MiB)")
        .y_desc("peak heap (MiB)")
        .draw()?;
    let eager: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.mib as f64, mib(r.eager_peak)))
        .collect();
    let lazy: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.mib as f64, mib(r.lazy_peak)))
        .collect();
    chart
        .draw_series(LineSeries::new(eager.clone(), RED.stroke_width(2)))?
        .label("eager: Vec<String> of every line")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED));
    chart.draw_series(eager.iter().map(|&p| Circle::new(p, 4, RED.filled())))?;
    chart
        .draw_series(LineSeries::new(lazy.clone(), BLUE.stroke_width(2)))?
        .label("lazy: lines | last_field | parse | sum")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
    chart.draw_series(lazy.iter().map(|&p| Circle::new(p, 4, BLUE.filled())))?;
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}
