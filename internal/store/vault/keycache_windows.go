//go:build windows

package vault

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/sesamehq/sesame/internal/atomicfile"
)

// On Windows the unlock cache is a file per vault in the user's local
// application data folder (%LOCALAPPDATA%\sesame\unlock), holding the
// vault key and its expiry encrypted with DPAPI for the current user
// (CryptProtectData, the cache name as additional entropy): only a process
// of the same Windows user, on this machine, can decrypt it, as with a
// Credential Manager item. An expired or damaged file is removed when
// found; sesame lock removes it at once.

// cacheFile is the file that caches the key named desc.
func cacheFile(desc string) (string, error) {
	dir, err := os.UserCacheDir() // %LOCALAPPDATA%
	if err != nil {
		return "", fmt.Errorf("%w: %w", errCacheUnavailable, err)
	}
	return filepath.Join(dir, "sesame", "unlock", strings.ReplaceAll(desc, ":", "-")), nil
}

// cacheLoad returns the vault key cached under desc, or nil when there is
// none (or it has expired).
func cacheLoad(desc string) ([]byte, error) {
	path, err := cacheFile(desc)
	if err != nil {
		return nil, err
	}
	sealed, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	plain, err := dpapi(sealed, desc, false)
	if err != nil || len(plain) != 8+keySize {
		clear(plain)
		_ = os.Remove(path)
		return nil, nil
	}
	defer clear(plain)
	expiry := time.Unix(0, int64(binary.BigEndian.Uint64(plain[:8])))
	if !time.Now().Before(expiry) {
		_ = os.Remove(path)
		return nil, nil
	}
	return append([]byte(nil), plain[8:]...), nil
}

// cacheStore caches key under desc for ttl.
func cacheStore(desc string, key []byte, ttl time.Duration) error {
	path, err := cacheFile(desc)
	if err != nil {
		return err
	}
	plain := make([]byte, 8, 8+len(key))
	binary.BigEndian.PutUint64(plain, uint64(time.Now().Add(ttl).UnixNano()))
	plain = append(plain, key...)
	defer clear(plain)
	sealed, err := dpapi(plain, desc, true)
	if err != nil {
		return fmt.Errorf("%w: %w", errCacheUnavailable, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, sealed, 0o600)
}

// cacheForget removes the key cached under desc.
func cacheForget(desc string) error {
	path, err := cacheFile(desc)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// dpapi encrypts (protect) or decrypts data for the current user with
// DPAPI, with desc as additional entropy, never showing a prompt.
func dpapi(data []byte, desc string, protect bool) ([]byte, error) {
	if len(data) == 0 {
		return nil, errors.New("dpapi: no data")
	}
	in := windows.DataBlob{Size: uint32(len(data)), Data: &data[0]}
	ent := []byte(desc)
	entropy := windows.DataBlob{Size: uint32(len(ent)), Data: &ent[0]}
	var out windows.DataBlob
	var err error
	if protect {
		err = windows.CryptProtectData(&in, nil, &entropy, 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out)
	} else {
		err = windows.CryptUnprotectData(&in, nil, &entropy, 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("dpapi: %w", err)
	}
	defer windows.LocalFree(windows.Handle(unsafe.Pointer(out.Data)))
	res := append([]byte(nil), unsafe.Slice(out.Data, out.Size)...)
	clear(unsafe.Slice(out.Data, out.Size))
	return res, nil
}
