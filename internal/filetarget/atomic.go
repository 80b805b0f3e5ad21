package filetarget

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// newFileMode is the mode of a file that did not exist before: feeds are
// served by a web server running as another user.
const newFileMode = 0o644

// replaceFile writes dst through write into a temporary file in dst's folder
// and renames it over dst once everything is on disk. On any error the
// temporary file is removed and dst is left as it was. An existing dst keeps
// its permission bits.
func replaceFile(dst string, opt Options, write func(w io.Writer) error) (err error) {
	// A feed is often a symbolic link into the web folder: the file it points
	// to is replaced, not the link.
	if fi, err := os.Lstat(dst); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if dst, err = filepath.EvalSymlinks(dst); err != nil {
			return fmt.Errorf("write %s: %w", dst, err)
		}
	}
	dir := filepath.Dir(dst)
	if err := checkFolder(dst, dir); err != nil {
		return err
	}
	mode := fs.FileMode(newFileMode)
	if fi, err := os.Stat(dst); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("write %s: not a regular file", dst)
		}
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return writeError(dst, dir, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var w io.Writer = tmp
	if opt.wrap != nil {
		w = opt.wrap(w)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := write(bw); err != nil {
		return writeError(dst, dir, err)
	}
	if err := bw.Flush(); err != nil {
		return writeError(dst, dir, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return writeError(dst, dir, err)
	}
	// Without the sync a crash after the rename can leave an empty file under
	// the old name: the rename may reach the disk before the data.
	if err := tmp.Sync(); err != nil {
		return writeError(dst, dir, err)
	}
	if err := tmp.Close(); err != nil {
		return writeError(dst, dir, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return writeError(dst, dir, err)
	}
	// The rename itself is durable only once the folder is synced.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// checkFolder says plainly when the folder is missing or not a folder, before
// anything is written.
func checkFolder(dst, dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("write %s: the folder %s does not exist", dst, dir)
	case err != nil:
		return fmt.Errorf("write %s: %w", dst, err)
	case !fi.IsDir():
		return fmt.Errorf("write %s: %s is not a folder", dst, dir)
	}
	return nil
}

// writeError names dst rather than the temporary file, and says that the old
// file is intact, which is what an operator wants to know after a failed run.
func writeError(dst, dir string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("write %s: no permission to create files in the folder %s", dst, dir)
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("write %s: the disk is full; the old file is unchanged", dst)
	}
	return fmt.Errorf("write %s: %w; the old file is unchanged", dst, err)
}
