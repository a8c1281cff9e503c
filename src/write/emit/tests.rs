//! The emit module's tests: atomic writes that never clobber and leave nothing when they
//! fail, the ways a packet's checksum is taken (or not), and users' own files rewritten in
//! place.

use super::*;

#[test]
fn a_file_hashed_behind_its_writer_has_the_checksum_of_every_byte_it_holds() {
    let data: Vec<u8> = (0..9 * BLOCK + 4_321)
        .map(|i| (i * 13 % 241) as u8)
        .collect();
    let dir = tempfile::tempdir().expect("tmp");
    for (n, pieces) in [
        // One byte at a time for a while, then a picture's stream larger than the
        // writer's buffer (which goes straight through), then the rest.
        vec![1; 300]
            .into_iter()
            .chain([5 * BLOCK + 7])
            .collect::<Vec<_>>(),
        // Nothing but small writes, and one single write of it all.
        vec![4096],
        vec![data.len()],
    ]
    .into_iter()
    .enumerate()
    {
        let target = dir.path().join(format!("packet-{n}.pdf"));
        let (sha, len) = write_atomic_expecting(&target, false, 0, Hashing::Trailing, |w| {
            let mut at = 0;
            for size in pieces.iter().cycle() {
                if at == data.len() {
                    break;
                }
                let end = (at + size).min(data.len());
                w.write_all(&data[at..end])
                    .map_err(|e| Error::io(&target, e))?;
                at = end;
            }
            Ok(())
        })
        .expect("written");
        assert_eq!(std::fs::read(&target).expect("read"), data, "{pieces:?}");
        assert_eq!(len, data.len() as u64);
        assert_eq!(sha, crate::base::digest::sha256_hex(&data), "{pieces:?}");
    }
    // A writer that fails half-way leaves no file, whatever was hashed by then.
    let target = dir.path().join("failed.pdf");
    let r = write_atomic_expecting(&target, false, 0, Hashing::Trailing, |w| {
        w.write_all(&data[..3 * BLOCK])
            .map_err(|e| Error::io(&target, e))?;
        Err(Error::Internal("boom".into()))
    });
    assert!(matches!(r, Err(Error::Internal(_))), "{r:?}");
    assert!(!target.exists());
    assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 3);
}

#[test]
fn a_file_written_without_its_checksum_is_whole_with_its_size_and_replaces_only_when_forced() {
    let dir = tempfile::tempdir().expect("tmp");
    let target = dir.path().join("packet.pdf");
    std::fs::write(&target, b"the earlier packet").expect("earlier");
    let data: Vec<u8> = (0..5 * BLOCK + 17).map(|i| (i * 7 % 251) as u8).collect();
    // Small writes, then a picture's stream larger than the buffer.
    let write = |w: &mut dyn Write| {
        for b in &data[..1000] {
            w.write_all(std::slice::from_ref(b))
                .map_err(|e| Error::io("x", e))?;
        }
        w.write_all(&data[1000..]).map_err(|e| Error::io("x", e))
    };
    let r = write_atomic_expecting(&target, false, 0, Hashing::Off, write);
    assert!(matches!(r, Err(Error::OutputExists(_))), "{r:?}");
    assert_eq!(std::fs::read(&target).expect("read"), b"the earlier packet");
    let (sha, len) = write_atomic_expecting(&target, true, 0, Hashing::Off, write).expect("forced");
    assert_eq!(std::fs::read(&target).expect("read"), data);
    assert_eq!((sha.as_str(), len), ("", data.len() as u64));
    // A writer that fails leaves the file it was to replace as it was, and nothing else.
    let r = write_atomic_expecting(&target, true, 0, Hashing::Off, |w| {
        w.write_all(&data[..2 * BLOCK])
            .map_err(|e| Error::io("x", e))?;
        Err(Error::Internal("boom".into()))
    });
    assert!(matches!(r, Err(Error::Internal(_))), "{r:?}");
    assert_eq!(std::fs::read(&target).expect("read"), data);
    assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
}

#[cfg(unix)]
#[test]
fn a_users_file_is_rewritten_in_place_a_new_one_is_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    let new = dir.path().join("new.toml");
    rewrite_users_file(&new, "a = 1\n").expect("new");
    assert_eq!(
        (std::fs::read_to_string(&new).expect("read"), mode(&new)),
        ("a = 1\n".into(), 0o600)
    );
    std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    rewrite_users_file(&new, "a = 2\n").expect("again");
    assert_eq!(
        (std::fs::read_to_string(&new).expect("read"), mode(&new)),
        ("a = 2\n".into(), 0o640)
    );
    // A link to nowhere is named, and nothing is made where it points.
    let dangling = dir.path().join("dangling.toml");
    std::os::unix::fs::symlink(dir.path().join("gone/x.toml"), &dangling).expect("link");
    let err = rewrite_users_file(&dangling, "a = 3\n").expect_err("dangling");
    assert!(err.to_string().contains("dangling.toml"), "{err}");
    assert!(!dir.path().join("gone").exists());
}

#[test]
fn a_file_hashed_behind_its_writer_replaces_an_earlier_one_only_when_forced() {
    // The file is put in place while the hashing thread may still be reading it.
    let dir = tempfile::tempdir().expect("tmp");
    let target = dir.path().join("packet.pdf");
    std::fs::write(&target, b"the earlier packet").expect("earlier");
    let data: Vec<u8> = (0..6 * BLOCK + 99).map(|i| (i * 31 % 253) as u8).collect();
    let write = |w: &mut dyn Write| w.write_all(&data).map_err(|e| Error::io("x", e));
    let r = write_atomic_expecting(&target, false, 0, Hashing::Trailing, write);
    assert!(matches!(r, Err(Error::OutputExists(_))), "{r:?}");
    assert_eq!(std::fs::read(&target).expect("read"), b"the earlier packet");
    let (sha, len) =
        write_atomic_expecting(&target, true, 0, Hashing::Trailing, write).expect("forced");
    assert_eq!(std::fs::read(&target).expect("read"), data);
    assert_eq!(
        (sha, len),
        (crate::base::digest::sha256_hex(&data), data.len() as u64)
    );
    // Neither left a temporary file behind.
    assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
}

#[test]
fn a_file_that_cannot_be_read_back_whole_is_hashed_again_or_removed() {
    let dir = tempfile::tempdir().expect("tmp");
    let target = dir.path().join("packet.pdf");
    std::fs::write(&target, b"ten bytes!").expect("write");
    let ours = || std::fs::File::open(&target).expect("open");
    let (sha, len) = hash_again(ours(), &target, 10, false).expect("read back whole");
    assert_eq!(
        (sha, len),
        (crate::base::digest::sha256_hex(b"ten bytes!"), 10)
    );
    // Another file put at the name since: ours is hashed, and the other is left alone
    // when ours falls short.
    let held = ours();
    let other = dir.path().join("other.pdf");
    std::fs::write(&other, b"another run's packet").expect("write");
    std::fs::rename(&other, &target).expect("replace");
    let (sha, _) =
        hash_again(held.try_clone().expect("dup"), &target, 10, true).expect("ours read back");
    assert_eq!(sha, crate::base::digest::sha256_hex(b"ten bytes!"));
    assert!(hash_again(held, &target, 11, true).is_err());
    assert_eq!(
        std::fs::read(&target).expect("read"),
        b"another run's packet"
    );
    // Fewer bytes than were written: not left to be taken for the packet, and the
    // message says what was replaced.
    std::fs::write(&target, b"ten bytes!").expect("write");
    let e = hash_again(ours(), &target, 11, true)
        .expect_err("short")
        .to_string();
    assert!(
        e.contains("packet.pdf")
            && e.contains("10 bytes, not the 11 written")
            && e.contains("removed (the earlier file by this name had already been replaced")
            && e.contains("run the command again"),
        "{e}"
    );
    assert!(!target.exists());
}

#[test]
fn atomic_write_never_clobbers_without_force() {
    let dir = tempfile::tempdir().expect("tmp");
    let target = dir.path().join("out.pdf");
    let (sha, len) = write_atomic(&target, false, |w| {
        w.write_all(b"first").map_err(|e| Error::io("x", e))
    })
    .expect("first write");
    assert_eq!(len, 5);
    assert_eq!(sha, crate::read::scan::sha256_hex(b"first"));
    let again = write_atomic(&target, false, |w| {
        w.write_all(b"second").map_err(|e| Error::io("x", e))
    });
    assert!(matches!(again, Err(Error::OutputExists(_))));
    assert_eq!(std::fs::read(&target).expect("read"), b"first");
    write_atomic(&target, true, |w| {
        w.write_all(b"second").map_err(|e| Error::io("x", e))
    })
    .expect("forced");
    assert_eq!(std::fs::read(&target).expect("read"), b"second");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left behind");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn failed_write_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let target = dir.path().join("out.pdf");
    let r = write_atomic(&target, false, |_| Err(Error::Internal("boom".into())));
    assert!(r.is_err());
    assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
}

#[test]
fn new_files_get_new_names() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = write_new(dir.path(), "letter.pdf", b"one").expect("first");
    let b = write_new(dir.path(), "letter.pdf", b"two").expect("second");
    assert_eq!(a, dir.path().join("letter.pdf"));
    assert_eq!(b, dir.path().join("letter (2).pdf"));
    assert_eq!(std::fs::read(&a).expect("read"), b"one");
    assert_eq!(std::fs::read(&b).expect("read"), b"two");
}

#[test]
fn output_inside_the_records_folder_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let err = check_target(&dir.path().join("p.pdf"), dir.path(), true).expect_err("inside");
    assert!(err.to_string().contains("inside the records folder"));
}
