//! The bundle zip: our writer read back by our reader and by stock tools (Info-ZIP `unzip`,
//! Python's `zipfile`, libarchive's `bsdtar`), ZIP64, name rules, and damaged archives.

use std::io::{self, Cursor, Read, Seek, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use casefile_core::bundle::{
    Chunk, EntryOptions, Method, ZipReader, ZipWriter, check_entry_name, deflate_chunk,
    deflate_chunk_into,
};

const MIB: usize = 1024 * 1024;

/// Deterministic log text that compresses like real logs (timestamps, levels, ids, paths).
fn log_text(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
    let paths = [
        "/api/v2/patch/jobs",
        "/api/v2/agents",
        "/health",
        "/login",
        "/sync/batch",
    ];
    let mut text = Vec::with_capacity(len + 200);
    let mut secs = 1_772_600_000u64;
    while text.len() < len {
        secs += next() % 3;
        let r = next();
        let line = format!(
            "2026-03-04T{:02}:{:02}:{:02}.{:03}Z {} [worker-{}] GET {} id={:08x} from 10.{}.{}.{} \
             status={} took={}ms user=agent-svc host=node-{:02}\n",
            (secs / 3600) % 24,
            (secs / 60) % 60,
            secs % 60,
            r % 1000,
            levels[(r >> 10) as usize % levels.len()],
            (r >> 14) % 8,
            paths[(r >> 17) as usize % paths.len()],
            next() as u32,
            (r >> 20) % 4,
            (r >> 23) % 256,
            (r >> 31) % 256,
            [200, 200, 200, 204, 404, 500][(r >> 40) as usize % 6],
            (r >> 44) % 900,
            (r >> 54) % 12,
        );
        text.extend_from_slice(line.as_bytes());
    }
    text.truncate(len);
    text
}

/// Runs a stock tool; a missing tool fails the test with advice rather than skipping it.
fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}); install the test tools with scripts/setup.sh")
        });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Checks an archive with `unzip -t`, Python's `testzip()` and `bsdtar -tvf`, and returns
/// Python's `name size crc` lines (sorted by the archive's order).
fn stock_tools_accept(path: &Path) -> Vec<String> {
    let path = path.to_str().expect("temp paths are UTF-8");
    let tested = run("unzip", &["-t", path]);
    assert!(tested.contains("No errors detected"), "unzip -t: {tested}");
    let python = run(
        "python3",
        &[
            "-c",
            "import sys, zipfile, zlib\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             assert z.testzip() is None\n\
             for i in z.infolist():\n\
             \x20   data = z.read(i)\n\
             \x20   print(i.filename, len(data), '%08x' % zlib.crc32(data), oct(i.external_attr >> 16))",
            path,
        ],
    );
    run("bsdtar", &["-tvf", path]);
    // From a pipe, libarchive cannot seek to the central directory: it trusts local headers.
    let streamed = Command::new("bsdtar")
        .args(["-xOf", "-"])
        .stdin(fs_err::File::open(path).expect("open").into_parts().0)
        .output()
        .expect("bsdtar is missing; install the test tools with scripts/setup.sh");
    assert!(
        streamed.status.success(),
        "bsdtar from a pipe: {streamed:?}"
    );
    let lines: Vec<String> = python.lines().map(str::to_owned).collect();
    let total: usize = lines
        .iter()
        .filter_map(|line| line.rsplit(' ').nth(2)?.parse::<usize>().ok())
        .sum();
    assert_eq!(
        streamed.stdout.len(),
        total,
        "bytes extracted by bsdtar from a pipe"
    );
    lines
}

fn read_all(reader: &mut ZipReader<impl Read + Seek>, name: &str) -> io::Result<Vec<u8>> {
    let index = reader
        .find(name)
        .unwrap_or_else(|| panic!("no entry {name}"));
    let mut data = Vec::new();
    reader.open(index)?.read_to_end(&mut data)?;
    Ok(data)
}

fn write_chunked(zip: &mut ZipWriter<impl Write + Seek>, name: &str, data: &[u8], size: usize) {
    zip.start_entry(name, &EntryOptions::default())
        .expect("start");
    let pieces: Vec<&[u8]> = data.chunks(size).collect();
    for (i, piece) in pieces.iter().enumerate() {
        zip.write_chunk(&deflate_chunk(piece, 6, i + 1 == pieces.len()))
            .expect("chunk");
    }
    zip.finish_entry().expect("finish entry");
}

#[test]
fn entries_of_every_kind_round_trip_through_our_reader_and_stock_tools() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bundle.zip");
    let log = log_text(3 * MIB / 2, 1);
    let stored: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let modified = UNIX_EPOCH + Duration::from_secs(1_772_600_767);
    let mut zip = ZipWriter::new(fs_err::File::create(&path).expect("create"));

    write_chunked(&mut zip, "logs/agent.log", &log, 64 * 1024);
    zip.start_entry("logs/empty.log", &EntryOptions::default())
        .expect("start");
    let empty = zip.finish_entry().expect("finish");
    assert_eq!((empty.size, empty.crc32), (0, 0));
    let stored_options = EntryOptions {
        method: Method::Stored,
        modified,
        unix_mode: 0o644,
    };
    zip.start_entry("attachments/data.bin", &stored_options)
        .expect("start");
    for part in stored.chunks(30_000) {
        zip.write_stored(part).expect("stored");
    }
    let summary = zip.finish_entry().expect("finish");
    assert_eq!(summary.compressed_size, summary.size);
    zip.start_entry("attachments/empty.bin", &stored_options)
        .expect("start");
    zip.finish_entry().expect("finish");
    // A pipeline that forgot `last` on its final chunk still gives a valid stream.
    zip.start_entry("logs/unfinished.log", &EntryOptions::default())
        .expect("start");
    zip.write_chunk(&deflate_chunk(b"no final chunk\n", 6, false))
        .expect("chunk");
    zip.finish_entry().expect("finish");
    let names = ["snapshot/système-日本語.txt", "request.md"];
    for name in names {
        zip.add_entry(name, &EntryOptions::default(), name.as_bytes(), 6)
            .expect("add");
    }
    let written = zip.bytes_written();
    let file = zip.finish().expect("finish archive");
    drop(file);
    assert!(written > 0 && written < fs_err::metadata(&path).expect("meta").len());

    let mut reader = ZipReader::new(fs_err::File::open(&path).expect("open")).expect("read");
    let listed: Vec<_> = reader.entries().iter().map(|e| e.name.clone()).collect();
    assert_eq!(
        listed,
        [
            "logs/agent.log",
            "logs/empty.log",
            "attachments/data.bin",
            "attachments/empty.bin",
            "logs/unfinished.log",
            "snapshot/système-日本語.txt",
            "request.md",
        ]
    );
    assert_eq!(read_all(&mut reader, "logs/agent.log").expect("read"), log);
    assert_eq!(read_all(&mut reader, "logs/empty.log").expect("read"), b"");
    assert_eq!(
        read_all(&mut reader, "attachments/data.bin").expect("read"),
        stored
    );
    assert_eq!(
        read_all(&mut reader, "logs/unfinished.log").expect("read"),
        b"no final chunk\n"
    );
    assert_eq!(
        read_all(&mut reader, names[0]).expect("read"),
        names[0].as_bytes()
    );
    let entry = &reader.entries()[2];
    assert_eq!(
        (entry.method, entry.unix_mode, entry.modified),
        (Method::Stored, Some(0o100_644), Some(modified))
    );
    let entry = &reader.entries()[0];
    assert_eq!(
        (entry.method, entry.unix_mode, entry.modified),
        (
            Method::Deflate,
            Some(0o100_600),
            Some(UNIX_EPOCH + Duration::from_secs(315_532_800))
        )
    );

    let python = stock_tools_accept(&path);
    assert_eq!(
        python[0],
        format!(
            "logs/agent.log {} {:08x} 0o100600",
            log.len(),
            crc32fast::hash(&log)
        )
    );
    assert_eq!(
        python[5],
        format!(
            "{} {} {:08x} 0o100600",
            names[0],
            names[0].len(),
            crc32fast::hash(names[0].as_bytes())
        )
    );
    let listing = run("unzip", &["-Z", "-l", path.to_str().expect("UTF-8")]);
    let modes: Vec<_> = listing
        .lines()
        .filter(|line| line.starts_with('-'))
        .map(|line| line.split_whitespace().next().unwrap_or_default())
        .collect();
    assert_eq!(
        modes,
        [
            "-rw-------",
            "-rw-------",
            "-rw-r--r--",
            "-rw-r--r--",
            "-rw-------",
            "-rw-------",
            "-rw-------"
        ],
        "{listing}"
    );
    let piped = Command::new("unzip")
        .args(["-p", path.to_str().expect("UTF-8"), "logs/agent.log"])
        .output()
        .expect("unzip -p");
    assert!(piped.stdout == log, "unzip -p gave different bytes");
    let bsdtar = run("bsdtar", &["-tvf", path.to_str().expect("UTF-8")]);
    assert!(
        bsdtar.contains("-rw------- ") && bsdtar.contains(names[0]),
        "{bsdtar}"
    );
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let build = || {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        write_chunked(&mut zip, "a.log", &log_text(200_000, 2), 50_000);
        zip.add_entry("b.txt", &EntryOptions::default(), b"b", 6)
            .expect("add");
        zip.finish().expect("finish").into_inner()
    };
    assert_eq!(build(), build());
}

#[test]
fn twenty_megabytes_in_two_mebibyte_chunks_stay_within_one_percent_of_one_shot() {
    let text = log_text(20 * 1000 * 1000, 3);
    let one_shot = deflate_chunk(&text, 6, true).data.len();
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_entry("logs/big.log", &EntryOptions::default())
        .expect("start");
    let pieces: Vec<&[u8]> = text.chunks(2 * MIB).collect();
    let mut buffer = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let chunk: Chunk = deflate_chunk_into(piece, 6, i + 1 == pieces.len(), buffer);
        zip.write_chunk(&chunk).expect("chunk");
        buffer = chunk.data;
    }
    let summary = zip.finish_entry().expect("finish");
    let chunked = summary.compressed_size as f64;
    assert!(
        (chunked - one_shot as f64).abs() / (one_shot as f64) < 0.01,
        "chunked {chunked} vs one-shot {one_shot}"
    );
    assert_eq!(summary.crc32, crc32fast::hash(&text));
    let mut reader = ZipReader::new(zip.finish().expect("finish")).expect("read");
    assert!(read_all(&mut reader, "logs/big.log").expect("read") == text);
}

/// Checks each name against `check_entry_name` and the writer: `None` means accepted, a text
/// means refused with a message containing it.
fn check_names(cases: &[(&str, Option<&str>)]) {
    for &(name, expected) in cases {
        let checked = check_entry_name(name);
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let written = zip.start_entry(name, &EntryOptions::default());
        match expected {
            None => {
                assert_eq!(checked, Ok(()), "{name:?}");
                assert!(written.is_ok(), "{name:?}: {written:?}");
            }
            Some(text) => {
                let message = checked.expect_err(name);
                assert!(message.contains(text), "{name:?}: {message}");
                let error = written.expect_err(name);
                assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
                assert!(error.to_string().contains(text), "{name:?}: {error}");
            }
        }
    }
}

#[test]
fn entry_names_are_refused_by_each_rule_and_accepted_otherwise() {
    let long = "a".repeat(65_536);
    let longest = "a".repeat(65_535);
    check_names(&[
        ("logs/agent.log", None),
        ("snapshot/système-日本語.txt", None),
        ("notes:v2.txt", None),
        ("a..b/.hidden", None),
        (&longest, None),
        ("", Some("empty")),
        (&long, Some("65535")),
        ("/etc/passwd", Some("absolute")),
        ("C:/Windows/win.ini", Some("drive letter")),
        ("c:boot.ini", Some("drive letter")),
        ("logs\\agent.log", Some("backslash")),
        ("logs/a\u{1}.log", Some("U+0001")),
        ("logs/a\n.log", Some("U+000A")),
        ("logs/a\u{7f}.log", Some("U+007F")),
        ("logs//agent.log", Some("empty component")),
        ("logs/", Some("empty component")),
        ("./agent.log", Some("\".\" component")),
        ("logs/../../etc/passwd", Some("\"..\" component")),
        ("..", Some("\"..\" component")),
    ]);
}

#[test]
fn the_writer_refuses_duplicates_and_calls_out_of_order() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = EntryOptions::default();
    fn kind<T>(result: io::Result<T>) -> Result<(), io::ErrorKind> {
        result.map(drop).map_err(|e| e.kind())
    }
    assert_eq!(
        kind(zip.write_chunk(&deflate_chunk(b"x", 6, true))),
        Err(io::ErrorKind::InvalidInput)
    );
    assert_eq!(kind(zip.finish_entry()), Err(io::ErrorKind::InvalidInput));
    zip.add_entry("a.txt", &options, b"a", 6).expect("add");
    let duplicate = zip
        .add_entry("a.txt", &options, b"a", 6)
        .expect_err("duplicate");
    assert!(duplicate.to_string().contains("already"), "{duplicate}");
    assert_eq!(
        kind(zip.start_entry("a.txt", &options)),
        Err(io::ErrorKind::InvalidInput)
    );
    zip.start_entry("b.txt", &options).expect("start");
    assert_eq!(
        kind(zip.write_stored(b"b")),
        Err(io::ErrorKind::InvalidInput)
    );
    let nested = zip.start_entry("c.txt", &options).expect_err("nested");
    assert!(nested.to_string().contains("still open"), "{nested}");
    zip.write_chunk(&deflate_chunk(b"b", 6, true))
        .expect("chunk");
    zip.finish_entry().expect("finish");
    zip.start_entry("c.txt", &options).expect("start");
    let unfinished = zip.finish().expect_err("open entry");
    assert_eq!(unfinished.kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn more_than_65535_entries_use_zip64_end_records_that_stock_tools_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("many.zip");
    let count = 70_000;
    let mut zip = ZipWriter::new(fs_err::File::create(&path).expect("create"));
    for i in 0..count {
        let options = EntryOptions {
            method: if i % 2 == 0 {
                Method::Stored
            } else {
                Method::Deflate
            },
            ..EntryOptions::default()
        };
        zip.add_entry(
            &format!("e/{i:05}.txt"),
            &options,
            format!("{i}\n").as_bytes(),
            1,
        )
        .expect("add");
    }
    zip.finish().expect("finish");
    let bytes = fs_err::read(&path).expect("read");
    let eocd = &bytes[bytes.len() - 22..];
    assert_eq!(&eocd[8..12], &[0xff; 4], "entry counts are 0xFFFF");
    assert_eq!(
        &bytes[bytes.len() - 42..bytes.len() - 38],
        b"PK\x06\x07",
        "ZIP64 locator"
    );

    let mut reader = ZipReader::new(Cursor::new(bytes)).expect("read");
    assert_eq!(reader.entries().len(), count);
    assert_eq!(
        read_all(&mut reader, "e/69999.txt").expect("read"),
        b"69999\n"
    );
    let python = stock_tools_accept(&path);
    assert_eq!(python.len(), count);
    let crc = crc32fast::hash(b"69999\n");
    assert_eq!(
        python[count - 1],
        format!("e/69999.txt 6 {crc:08x} 0o100600")
    );
    let listed = run("bsdtar", &["-tf", path.to_str().expect("UTF-8")]);
    assert_eq!(listed.lines().count(), count);
}

#[test]
fn forced_zip64_fields_are_read_by_our_reader_and_stock_tools() {
    for threshold in [0, 1000] {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("zip64.zip");
        let log = log_text(300_000, 4);
        let mut zip = ZipWriter::new(fs_err::File::create(&path).expect("create"));
        zip.set_zip64_threshold(threshold);
        zip.add_entry("small.txt", &EntryOptions::default(), b"small", 6)
            .expect("add");
        write_chunked(&mut zip, "logs/streamed.log", &log, 100_000);
        zip.add_entry("logs/whole.log", &EntryOptions::default(), &log, 6)
            .expect("add");
        let stored = EntryOptions {
            method: Method::Stored,
            ..EntryOptions::default()
        };
        zip.start_entry("attachments/stored.bin", &stored)
            .expect("start");
        zip.write_stored(&log[..5000]).expect("stored");
        zip.finish_entry().expect("finish");
        zip.finish().expect("finish");

        let bytes = fs_err::read(&path).expect("read");
        // The streamed entry's local header says version 4.5 (ZIP64) and has its extra field.
        let at = bytes
            .windows(17)
            .position(|w| w == b"logs/streamed.log")
            .expect("name")
            - 30;
        assert_eq!(
            &bytes[at..at + 6],
            b"PK\x03\x04\x2d\x00",
            "threshold {threshold}"
        );
        assert_eq!(&bytes[at + 18..at + 26], &[0xff; 8]);
        let extra_len = usize::from(u16::from_le_bytes([bytes[at + 28], bytes[at + 29]]));
        let extra = &bytes[at + 47..at + 47 + extra_len];
        let zip64 = extra
            .windows(4)
            .position(|w| w == [1, 0, 16, 0])
            .expect("ZIP64 extra");
        let sizes = &extra[zip64 + 4..zip64 + 20];
        assert_eq!(sizes[..8], (log.len() as u64).to_le_bytes());
        assert!(
            bytes.windows(4).any(|w| w == b"PK\x06\x06"),
            "ZIP64 end record"
        );

        let mut reader = ZipReader::new(Cursor::new(bytes)).expect("read");
        assert!(read_all(&mut reader, "logs/streamed.log").expect("read") == log);
        assert!(read_all(&mut reader, "logs/whole.log").expect("read") == log);
        assert_eq!(read_all(&mut reader, "small.txt").expect("read"), b"small");
        assert_eq!(
            read_all(&mut reader, "attachments/stored.bin").expect("read"),
            &log[..5000]
        );
        let python = stock_tools_accept(&path);
        assert_eq!(python.len(), 4, "{python:?}");
    }
}

#[test]
fn info_zip_archives_read_back_with_and_without_data_descriptors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("tree");
    fs_err::create_dir_all(tree.join("logs")).expect("mkdir");
    let log = log_text(400_000, 5);
    fs_err::write(tree.join("logs/agent.log"), &log).expect("write");
    fs_err::write(tree.join("empty.txt"), b"").expect("write");
    let seekable = dir.path().join("seekable.zip");
    let status = Command::new("zip")
        .current_dir(&tree)
        .args(["-q", "-r", seekable.to_str().expect("UTF-8"), "."])
        .status()
        .expect("zip is missing; install the test tools with scripts/setup.sh");
    assert!(status.success());
    // Writing to a pipe makes Info-ZIP use data descriptors.
    let streamed = Command::new("zip")
        .current_dir(&tree)
        .args(["-q", "-r", "-", "."])
        .output()
        .expect("zip is missing; install the test tools with scripts/setup.sh");
    assert!(streamed.status.success());
    assert!(
        streamed.stdout.windows(4).any(|w| w == b"PK\x07\x08"),
        "data descriptors"
    );

    for bytes in [fs_err::read(&seekable).expect("read"), streamed.stdout] {
        let mut reader = ZipReader::new(Cursor::new(bytes)).expect("read");
        assert!(read_all(&mut reader, "logs/agent.log").expect("read") == log);
        assert_eq!(read_all(&mut reader, "empty.txt").expect("read"), b"");
        assert!(reader.find("logs/").is_some(), "folder entries are listed");
        let entry = &reader.entries()[reader.find("logs/agent.log").expect("entry")];
        assert!(
            entry
                .unix_mode
                .is_some_and(|mode| mode & 0o170_000 == 0o100_000)
        );
        assert!(entry.modified.is_some());
    }
}

/// A small archive of three entries for the corruption tests.
fn small_archive() -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    write_chunked(&mut zip, "logs/a.log", &log_text(3000, 6), 1000);
    zip.add_entry(
        "b.bin",
        &EntryOptions {
            method: Method::Stored,
            ..EntryOptions::default()
        },
        b"password=hunter2-FAKE",
        6,
    )
    .expect("add");
    zip.add_entry(
        "c.txt",
        &EntryOptions::default(),
        b"AKIAFAKEFAKEFAKE1234",
        6,
    )
    .expect("add");
    zip.finish().expect("finish").into_inner()
}

/// Reads every entry; the first error, if any.
fn read_everything(bytes: Vec<u8>) -> io::Result<()> {
    let mut reader = ZipReader::new(Cursor::new(bytes))?;
    for index in 0..reader.entries().len() {
        io::copy(&mut reader.open(index)?, &mut io::sink())?;
    }
    Ok(())
}

fn patched(mut bytes: Vec<u8>, at: usize, value: &[u8]) -> Vec<u8> {
    bytes[at..at + value.len()].copy_from_slice(value);
    bytes
}

#[test]
fn damaged_archives_give_errors_that_say_what_is_wrong() {
    let good = small_archive();
    read_everything(good.clone()).expect("the undamaged archive reads");
    let eocd = good.len() - 22;
    let central = good
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central");
    let b_data = good
        .windows(21)
        .position(|w| w == b"password=hunter2-FAKE")
        .expect("data");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty file", Vec::new(), "too short"),
        (
            "not a zip",
            b"hello, this is not a zip archive at all".to_vec(),
            "no end of central directory",
        ),
        (
            "truncated",
            good[..good.len() / 2].to_vec(),
            "no end of central directory",
        ),
        (
            "directory past the end",
            patched(good.clone(), eocd + 16, &0x7fff_0000u32.to_le_bytes()),
            "central directory",
        ),
        (
            "absurd count",
            patched(good.clone(), eocd + 8, &[0xfe, 0xff, 0xfe, 0xff]),
            "claims 65534 entries",
        ),
        (
            "size too small",
            patched(good.clone(), central + 24, &1000u32.to_le_bytes()),
            "more than its declared 1000 bytes",
        ),
        (
            "size too large",
            patched(good.clone(), central + 24, &3001u32.to_le_bytes()),
            "ends after 3000 of its 3001 bytes",
        ),
        (
            "changed data",
            patched(good.clone(), b_data, b"PASSWORD"),
            "CRC32",
        ),
        (
            "local header moved",
            patched(good.clone(), central + 42, &5u32.to_le_bytes()),
            "no local header",
        ),
        (
            "unknown method",
            patched(good.clone(), central + 10, &[12, 0]),
            "compression method 12",
        ),
    ];
    for (what, bytes, expected) in cases {
        let error = read_everything(bytes).expect_err(what);
        assert!(
            matches!(
                error.kind(),
                io::ErrorKind::InvalidData | io::ErrorKind::Unsupported
            ),
            "{what}: {error:?}"
        );
        assert!(error.to_string().contains(expected), "{what}: {error}");
    }
}

#[test]
fn every_truncation_and_every_flipped_byte_gives_an_error_or_data_never_a_panic() {
    let good = small_archive();
    for len in 0..good.len() {
        assert!(
            ZipReader::new(Cursor::new(good[..len].to_vec())).is_err(),
            "prefix of {len} bytes"
        );
    }
    let mut failures = 0;
    for at in 0..good.len() {
        let mut bytes = good.clone();
        bytes[at] ^= 0xff;
        failures += usize::from(read_everything(bytes).is_err());
    }
    // Most bytes matter; the ones that do not are times, attributes and reserved padding.
    assert!(
        failures > good.len() / 2,
        "{failures} of {} flips noticed",
        good.len()
    );
}
