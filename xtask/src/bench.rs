//! `cargo xtask bench`: pydevcheck against `ruff check --select SIM115`, whole process, on the same files.
//!
//! Every counted run is one process measured on its own: the harness re-executes itself as
//! `xtask bench-measure -- PROGRAM ARGS...`, and that helper spawns the tool, waits for it and reads
//! `getrusage(RUSAGE_CHILDREN)`. With exactly one child waited for, that is the child's own rusage (what `wait4`
//! returns), so peak RSS is per run rather than the maximum over every run so far, and no `unsafe` is needed.
//! Wall time is taken in the helper around spawn and wait, so the helper's own start-up is not counted.
//!
//! Runs alternate (pydevcheck, ruff, pydevcheck one thread, ruff one thread) after one warm-up round, so slow
//! drift of the machine (other builds, caches, frequency) lands on both tools alike; the ratio to ruff is the
//! median of the per-round ratios. With both corpora, each round measures the stdlib and then the large
//! corpus, and the growth per line is the median of the per-round ratios too: measured one corpus after the
//! other, it moved with the machine's speed between the two (1.04 x in one run, 1.47 x in the next, on the
//! same binary).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use nix::sys::resource::{getrusage, UsageWho};
use serde_json::{json, Value};

use crate::{run, workspace_root};

/// The ruff release we compare against; bump it deliberately and re-measure the baseline.
pub(crate) const RUFF: &str = "ruff==0.17.6";

/// `--quick` fails only when the pydevcheck/ruff wall ratio is worse than this many times the baseline's:
/// a gross slowdown, never noise.
const REGRESSION_FACTOR: f64 = 2.0;

const USAGE: &str = "\
usage: cargo xtask bench [--quick] [--corpus stdlib|large|both] [--runs N] [--write-baseline]

  --quick            stdlib only, 3 runs, and fail when the wall ratio to ruff exceeds 2x xtask/bench-baseline.json
  --corpus C         stdlib (the interpreter's standard library, default), large (`cargo xtask corpus`), both
  --runs N           counted runs per variant after one warm-up (default 7)
  --write-baseline   store this run's stdlib wall ratio in xtask/bench-baseline.json";

struct Options {
    quick: bool,
    corpora: Vec<Corpus>,
    runs: usize,
    write_baseline: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Corpus {
    Stdlib,
    Large,
}

impl Corpus {
    fn name(self) -> &'static str {
        match self {
            Corpus::Stdlib => "stdlib",
            Corpus::Large => "large",
        }
    }
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut quick = false;
    let mut corpus = None;
    let mut runs = None;
    let mut write_baseline = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--write-baseline" => write_baseline = true,
            "--corpus" => corpus = Some(args.next().ok_or("--corpus needs a value")?.clone()),
            "--runs" => {
                let value = args.next().ok_or("--runs needs a value")?;
                let n: usize = value.parse().map_err(|_| format!("--runs: `{value}` is not a number"))?;
                if n == 0 {
                    return Err("--runs must be at least 1".to_owned());
                }
                runs = Some(n);
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let corpora = match corpus.as_deref() {
        None | Some("stdlib") => vec![Corpus::Stdlib],
        Some("large") if !quick => vec![Corpus::Large],
        Some("both") if !quick => vec![Corpus::Stdlib, Corpus::Large],
        Some("large" | "both") => return Err("--quick measures the stdlib only".to_owned()),
        Some(other) => return Err(format!("unknown corpus `{other}`: stdlib, large or both")),
    };
    let runs = runs.unwrap_or(if quick { 3 } else { 7 });
    Ok(Options { quick, corpora, runs, write_baseline })
}

/// One tool invocation that is measured: what to run and how it is labelled.
struct Variant {
    label: &'static str,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(&'static str, &'static str)>,
}

/// What one process cost.
#[derive(Clone, Copy)]
struct Sample {
    wall: f64,
    cpu: f64,
    rss_kib: u64,
}

pub(crate) fn bench(args: &[String]) -> Result<(), String> {
    let options = parse_options(args)?;
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask: building pydevcheck (release)");
    run(Command::new(cargo).current_dir(&root).args(["build", "--quiet", "--release", "-p", "pydevcheck"]))?;
    // `cargo build` honours CARGO_TARGET_DIR (relative to the workspace root), so look where it built.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir));
    let pydevcheck = target.join("release").join("pydevcheck");
    let ruff = ruff_venv(&root.join("target").join("bench-venv"))?;

    let mut benches = Vec::new();
    for &corpus in &options.corpora {
        let dir = corpus_dir(&root, corpus)?;
        benches.push(CorpusBench::new(corpus, &dir, &pydevcheck, &ruff)?);
    }
    let load_before = load_average();
    let variants: usize = benches.iter().map(|bench| bench.variants.len()).sum();
    eprintln!("xtask: one warm-up round, then {} counted rounds of {variants} runs", options.runs);
    for bench in &benches {
        for variant in &bench.variants {
            measure(variant)?;
        }
    }
    for _ in 0..options.runs {
        for bench in &mut benches {
            for (variant, out) in bench.variants.iter().zip(&mut bench.samples) {
                out.push(measure(variant)?);
            }
        }
    }
    let load = json!({ "before": load_before, "after": load_average() });
    let mut reports: Vec<Value> = benches.iter().map(|bench| bench.report(options.runs, &load)).collect();
    if let [stdlib, large] = reports.as_mut_slice() {
        let growth = growth(stdlib, large);
        print_growth(&growth);
        large["growth_against_stdlib"] = growth;
    }
    for report in &reports {
        let out = root.join("target").join("bench");
        std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let path = out.join(format!("{}.json", report["corpus"].as_str().unwrap_or("corpus")));
        let text = serde_json::to_string_pretty(report).expect("a JSON value always serialises");
        std::fs::write(&path, text + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("xtask: wrote {}", path.display());
    }

    let baseline_path = root.join("xtask").join("bench-baseline.json");
    let Some(stdlib) = reports.iter().find(|report| report["corpus"] == "stdlib") else {
        return Ok(());
    };
    let ratio = stdlib["ratio_to_ruff"]["wall_median"].as_f64().expect("the report stores the ratio as a number");
    if options.write_baseline {
        let baseline = json!({
            "corpus": "stdlib",
            "wall_ratio_to_ruff": round(ratio, 3),
            "ruff": RUFF,
            "machine": stdlib["machine"],
            "date": stdlib["date"],
            "note": "`cargo xtask bench --quick` fails when the measured ratio exceeds 2x this one",
        });
        let text = serde_json::to_string_pretty(&baseline).expect("a JSON value always serialises");
        std::fs::write(&baseline_path, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", baseline_path.display()))?;
        eprintln!("xtask: wrote {}", baseline_path.display());
    }
    if options.quick {
        check_regression(&baseline_path, ratio)?;
    }
    Ok(())
}

/// The CI gate: a gross slowdown relative to ruff fails, anything within 2x of the baseline passes.
fn check_regression(baseline_path: &Path, ratio: f64) -> Result<(), String> {
    let text = std::fs::read_to_string(baseline_path)
        .map_err(|e| format!("cannot read the baseline {}: {e}", baseline_path.display()))?;
    let baseline: Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", baseline_path.display()))?;
    let Some(base) = baseline["wall_ratio_to_ruff"].as_f64() else {
        return Err(format!("{} has no number `wall_ratio_to_ruff`", baseline_path.display()));
    };
    let limit = base * REGRESSION_FACTOR;
    if ratio > limit {
        return Err(format!(
            "regression: pydevcheck/ruff wall ratio {ratio:.3} exceeds {limit:.3} ({REGRESSION_FACTOR}x the baseline \
             {base:.3} in {})",
            baseline_path.display()
        ));
    }
    println!("regression check: wall ratio {ratio:.3} <= {limit:.3} ({REGRESSION_FACTOR}x baseline {base:.3}): ok");
    Ok(())
}

/// One corpus to time: its files, the four variants and their samples, one per counted round.
struct CorpusBench {
    corpus: Corpus,
    dir_arg: String,
    files: usize,
    lines: u64,
    variants: Vec<Variant>,
    samples: Vec<Vec<Sample>>,
}

impl CorpusBench {
    fn new(corpus: Corpus, dir: &Path, pydevcheck: &Path, ruff: &Path) -> Result<CorpusBench, String> {
        let dir_arg = dir.to_str().ok_or_else(|| format!("{} is not UTF-8", dir.display()))?.to_owned();
        let files = same_files(dir, &dir_arg, pydevcheck, ruff)?;
        let lines = count_lines(&files)?;
        eprintln!("xtask: {} corpus {}: {} files, {lines} lines", corpus.name(), dir.display(), files.len());

        let pdc_args = |jobs: Option<&str>| {
            let mut args = vec!["check".to_owned(), "-q".to_owned(), "--exit-zero".to_owned()];
            if let Some(jobs) = jobs {
                args.extend(["--jobs".to_owned(), jobs.to_owned()]);
            }
            args.push(dir_arg.clone());
            args
        };
        let ruff_args: Vec<String> = ["check", "--no-cache", "--isolated", "--select", "SIM115", "--exit-zero", "-q"]
            .iter()
            .map(|&arg| arg.to_owned())
            .chain([dir_arg.clone()])
            .collect();
        // ruff has no thread flag; it runs on rayon's global pool, which honours RAYON_NUM_THREADS.
        let variants = vec![
            Variant { label: "pydevcheck", program: pydevcheck.to_owned(), args: pdc_args(None), env: vec![] },
            Variant { label: "ruff SIM115", program: ruff.to_owned(), args: ruff_args.clone(), env: vec![] },
            Variant {
                label: "pydevcheck --jobs 1",
                program: pydevcheck.to_owned(),
                args: pdc_args(Some("1")),
                env: vec![],
            },
            Variant {
                label: "ruff SIM115, 1 thread",
                program: ruff.to_owned(),
                args: ruff_args,
                env: vec![("RAYON_NUM_THREADS", "1")],
            },
        ];
        let samples = vec![Vec::new(); variants.len()];
        Ok(CorpusBench { corpus, dir_arg, files: files.len(), lines, variants, samples })
    }

    /// The corpus's JSON report, after its table is printed.
    fn report(&self, runs: usize, load: &Value) -> Value {
        let samples = &self.samples;
        let pair_ratios: Vec<f64> = samples[0].iter().zip(&samples[1]).map(|(p, r)| p.wall / r.wall).collect();
        let ratio = median(&pair_ratios);
        let medians: Vec<f64> = samples.iter().map(|s| median(&walls(s))).collect();
        let pdc_scaling = medians[2] / medians[0];
        let ruff_scaling = medians[3] / medians[1];

        let report = json!({
            "corpus": self.corpus.name(),
            "path": self.dir_arg,
            "files": self.files,
            "lines": self.lines,
            "runs": runs,
            "file_set": "directory argument to both tools; both report the same file count (checked before timing)",
            "machine": machine(),
            "load_average_1min": load,
            "date": today(),
            "variants": self
                .variants
                .iter()
                .zip(samples)
                .map(|(v, s)| variant_json(v, s, self.files, self.lines))
                .collect::<Vec<_>>(),
            "ratio_to_ruff": {
                "wall_median": ratio,
                "wall_pairs": pair_ratios,
                "cpu_median": median(&cpus(&samples[0])) / median(&cpus(&samples[1])),
                "rss_median": median_rss(&samples[0]) / median_rss(&samples[1]),
            },
            "two_vs_one_thread": { "pydevcheck": pdc_scaling, "ruff": ruff_scaling },
        });
        print_table(&report, &self.variants, samples);
        report
    }
}

fn variant_json(variant: &Variant, samples: &[Sample], files: usize, lines: u64) -> Value {
    let wall = walls(samples);
    let cpu = cpus(samples);
    let rss: Vec<f64> = samples.iter().map(|s| s.rss_kib as f64 / 1024.0).collect();
    let median_wall = median(&wall);
    json!({
        "label": variant.label,
        "command": command_line(variant),
        "wall_s": stats(&wall),
        "cpu_s": stats(&cpu),
        "peak_rss_mib": stats(&rss),
        "files_per_s": files as f64 / median_wall,
        "lines_per_s": lines as f64 / median_wall,
        "samples": samples.iter().map(|s| json!({ "wall_s": s.wall, "cpu_s": s.cpu, "rss_kib": s.rss_kib })).collect::<Vec<_>>(),
    })
}

fn stats(values: &[f64]) -> Value {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    json!({ "median": median(values), "min": min, "max": max })
}

fn print_table(report: &Value, variants: &[Variant], samples: &[Vec<Sample>]) {
    println!();
    println!(
        "## {} — {} files, {} lines, {} counted runs per variant ({})",
        report["corpus"].as_str().unwrap_or_default(),
        report["files"],
        report["lines"],
        report["runs"],
        report["machine"].as_str().unwrap_or_default(),
    );
    println!();
    println!(
        "| variant | wall median (min–max) s | CPU user+sys median s | peak RSS median (max) MiB | files/s | lines/s |"
    );
    println!("|---|---|---|---|---|---|");
    for (variant, samples) in variants.iter().zip(samples) {
        let wall = walls(samples);
        let rss: Vec<f64> = samples.iter().map(|s| s.rss_kib as f64 / 1024.0).collect();
        let median_wall = median(&wall);
        println!(
            "| {} | {:.3} ({:.3}–{:.3}) | {:.3} | {:.1} ({:.1}) | {:.0} | {:.0} |",
            variant.label,
            median_wall,
            wall.iter().copied().fold(f64::INFINITY, f64::min),
            wall.iter().copied().fold(0.0, f64::max),
            median(&cpus(samples)),
            median(&rss),
            rss.iter().copied().fold(0.0, f64::max),
            report["files"].as_f64().unwrap_or_default() / median_wall,
            report["lines"].as_f64().unwrap_or_default() / median_wall,
        );
    }
    let ratio = &report["ratio_to_ruff"];
    let scaling = &report["two_vs_one_thread"];
    let wall_ratio = ratio["wall_median"].as_f64().unwrap_or_default();
    let rss = median_rss(&samples[0]);
    let pdc_scaling = scaling["pydevcheck"].as_f64().unwrap_or_default();
    println!();
    println!(
        "pydevcheck / ruff: wall {:.3} (median of per-round ratios), CPU {:.3}, peak RSS {:.3}",
        wall_ratio,
        ratio["cpu_median"].as_f64().unwrap_or_default(),
        ratio["rss_median"].as_f64().unwrap_or_default(),
    );
    println!(
        "throughput with all threads / one thread: pydevcheck {pdc_scaling:.2}x, ruff {:.2}x",
        scaling["ruff"].as_f64().unwrap_or_default()
    );
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get) as f64;
    let load = report["load_average_1min"]["before"].as_f64().unwrap_or_default();
    if load > cores / 2.0 {
        // Other work on the cores stretches wall times and hides thread scaling; CPU time suffers far less.
        println!("warning: the machine was busy (1-minute load average {load:.1} on {cores} cores before timing)");
    }
    if report["corpus"] == "stdlib" {
        println!("targets (DESIGN section 7):");
        println!("  wall <= 0.5x ruff: {:.3} {}", wall_ratio, verdict(wall_ratio <= 0.5));
        println!("  peak RSS <= 64 MiB: {rss:.1} MiB {}", verdict(rss <= 64.0));
        println!("  2 threads >= 1.7x one: {pdc_scaling:.2}x {}", verdict(pdc_scaling >= 1.7));
    }
}

/// The 4x corpus against the stdlib: time per line and memory must not grow with the tree. Time is compared
/// round by round (each round ran both corpora back to back) and the median of those ratios is the figure.
fn growth(stdlib: &Value, large: &Value) -> Value {
    let size = large["lines"].as_f64().unwrap_or_default() / stdlib["lines"].as_f64().unwrap_or(1.0);
    let rounds = |key: &str| -> Vec<f64> {
        let samples = |report: &Value| report["variants"][0]["samples"].as_array().cloned().unwrap_or_default();
        samples(large)
            .iter()
            .zip(&samples(stdlib))
            .map(|(l, s)| l[key].as_f64().unwrap_or_default() / s[key].as_f64().unwrap_or(1.0) / size)
            .collect()
    };
    let wall = rounds("wall_s");
    let cpu = rounds("cpu_s");
    let rss = |report: &Value| report["variants"][0]["peak_rss_mib"]["median"].as_f64().unwrap_or_default();
    json!({
        "lines_ratio": size,
        "time_per_line": { "wall_median": median(&wall), "wall_rounds": wall, "cpu_median": median(&cpu) },
        "peak_rss": rss(large) / rss(stdlib),
    })
}

fn print_growth(growth: &Value) {
    let number = |value: &Value| value.as_f64().unwrap_or_default();
    let wall = number(&growth["time_per_line"]["wall_median"]);
    let cpu = number(&growth["time_per_line"]["cpu_median"]);
    let rss = number(&growth["peak_rss"]);
    println!();
    println!("growth, large corpus ({:.2}x the stdlib's lines) against the stdlib:", number(&growth["lines_ratio"]));
    println!("  time per line {wall:.3}x, median of the per-round ratios (target <= 1.15x) {}", verdict(wall <= 1.15));
    println!("  CPU time per line {cpu:.3}x (the same target, less sensitive to a busy machine)");
    println!("  peak RSS {rss:.3}x (target <= 1.5x) {}", verdict(rss <= 1.5));
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

/// Checks that both tools see the same files when given the directory, and returns ruff's list of them.
///
/// Passing the directory (not a file list) is what users do, and it keeps discovery in the measurement; a
/// file list would also hit the argument-size limit on the large corpus. The cost is that both tools' default
/// excludes must agree on the corpus, which this check enforces before anything is timed.
fn same_files(dir: &Path, dir_arg: &str, pydevcheck: &Path, ruff: &Path) -> Result<Vec<PathBuf>, String> {
    let output = Command::new(ruff)
        .args(["check", "--no-cache", "--isolated", "--select", "SIM115", "--show-files", dir_arg])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", ruff.display()))?;
    if !output.status.success() {
        return Err(format!("ruff --show-files failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let ruff_files: Vec<PathBuf> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| PathBuf::from(line.trim()))
        // ruff also lists the `pyproject.toml` files it reads for RUF200.
        .filter(|path| path.extension().is_some_and(|ext| ext == "py" || ext == "pyi"))
        .collect();

    let output = Command::new(pydevcheck)
        .args(["check", "--exit-zero", "--output-format", "concise", dir_arg])
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", pydevcheck.display()))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The summary line ends with "(N files checked)".
    let checked = stderr
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_suffix(" files checked)")?.rsplit('(').next()?.parse::<usize>().ok());
    let Some(checked) = checked else {
        return Err(format!("no `(N files checked)` in pydevcheck's summary on {}:\n{stderr}", dir.display()));
    };
    if checked != ruff_files.len() {
        return Err(format!(
            "the tools see different files in {}: pydevcheck checks {checked}, ruff {}; align the excludes first",
            dir.display(),
            ruff_files.len()
        ));
    }
    Ok(ruff_files)
}

fn count_lines(files: &[PathBuf]) -> Result<u64, String> {
    let mut lines = 0;
    for file in files {
        let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        lines += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    }
    Ok(lines)
}

/// Runs one variant once through the `bench-measure` helper and parses what it reports.
fn measure(variant: &Variant) -> Result<Sample, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the xtask binary: {e}"))?;
    let output = Command::new(exe)
        .arg("bench-measure")
        .arg("--")
        .arg(&variant.program)
        .args(&variant.args)
        .envs(variant.env.iter().copied())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the measuring helper: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("`{}` failed: {}", command_line(variant), text.trim()));
    }
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [wall, cpu, rss] = fields.as_slice() else {
        return Err(format!("the measuring helper printed `{}`", text.trim()));
    };
    let parse = |s: &str| s.parse::<f64>().map_err(|_| format!("the measuring helper printed `{}`", text.trim()));
    Ok(Sample { wall: parse(wall)?, cpu: parse(cpu)?, rss_kib: parse(rss)? as u64 })
}

/// `xtask bench-measure -- PROGRAM ARGS...`: runs the program with its output discarded and prints
/// `WALL_SECONDS CPU_SECONDS PEAK_RSS_KIB`. It must be this process's only child, see the module comment.
pub(crate) fn measure_child(args: &[String]) -> Result<(), String> {
    let Some((program, args)) = args.strip_prefix(&["--".to_owned()]).and_then(|rest| rest.split_first()) else {
        return Err("usage: xtask bench-measure -- PROGRAM [ARGS...]".to_owned());
    };
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| format!("getrusage: {e}"))?;
    if !status.success() {
        return Err(format!("{program} exited with {status}"));
    }
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    let cpu = seconds(usage.user_time()) + seconds(usage.system_time());
    // Linux reports ru_maxrss in KiB.
    println!("{wall:.6} {cpu:.6} {}", usage.max_rss());
    Ok(())
}

/// Creates the venv with the pinned ruff, or reuses it when its ruff already is that version.
fn ruff_venv(venv: &Path) -> Result<PathBuf, String> {
    let ruff = venv.join("bin").join("ruff");
    let version = RUFF.trim_start_matches("ruff==");
    let ready = Command::new(&ruff)
        .arg("--version")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == format!("ruff {version}"));
    if ready {
        return Ok(ruff);
    }
    let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    eprintln!("xtask: creating {} with {host} and {RUFF}", venv.display());
    run(Command::new(&host).arg("-m").arg("venv").arg(venv))?;
    let python = venv.join("bin").join("python");
    run(Command::new(python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", RUFF]))?;
    Ok(ruff)
}

fn corpus_dir(root: &Path, corpus: Corpus) -> Result<PathBuf, String> {
    match corpus {
        Corpus::Stdlib => {
            let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
            let output = Command::new(&host)
                .args(["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"])
                .output()
                .map_err(|e| format!("cannot run {host}: {e}"))?;
            let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
            if !output.status.success() || path.is_empty() {
                return Err(format!("{host} did not print its stdlib path"));
            }
            Ok(PathBuf::from(path))
        }
        Corpus::Large => {
            let dir = crate::corpus::large_dir(root);
            if !dir.is_dir() {
                return Err(format!("{} is missing: run `cargo xtask corpus` first", dir.display()));
            }
            Ok(dir)
        }
    }
}

fn command_line(variant: &Variant) -> String {
    let mut parts: Vec<String> = variant.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let program = variant.program.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned());
    parts.push(program);
    parts.extend(variant.args.iter().cloned());
    parts.join(" ")
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: f64 = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cores} cores, {:.1} GiB, {model}", mem_kib / 1024.0 / 1024.0)
}

/// The 1-minute load average from /proc/loadavg, 0 where there is none.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn walls(samples: &[Sample]) -> Vec<f64> {
    samples.iter().map(|s| s.wall).collect()
}

fn cpus(samples: &[Sample]) -> Vec<f64> {
    samples.iter().map(|s| s.cpu).collect()
}

fn median_rss(samples: &[Sample]) -> f64 {
    median(&samples.iter().map(|s| s.rss_kib as f64 / 1024.0).collect::<Vec<_>>())
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}
