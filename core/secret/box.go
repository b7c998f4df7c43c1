package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KeySize is the length of a key file: 32 random bytes, an AES-256 key.
const KeySize = 32

// Box seals and opens small secrets with AES-256-GCM. It is safe for
// concurrent use.
type Box struct {
	aead  cipher.AEAD
	check string // the key's check value, see KeyCheck
}

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead, check: keyCheck(key)}, nil
}

// LoadKey reads the key file at path. A missing file is an error that
// matches fs.ErrNotExist.
func LoadKey(path string) (*Box, error) {
	if path == "" {
		return nil, errNoKeyFile
	}
	key, err := readKey(path)
	if err != nil {
		return nil, err
	}
	return boxOfFile(path, key)
}

// LoadOrCreateKey reads the key file at path, or, when there is none,
// creates it (and its folder) with a fresh random key, readable by the
// owner only. Hubs starting together converge on the one key that was
// written first. Hubs sharing a PostgreSQL database must share this file.
func LoadOrCreateKey(path string) (*Box, error) {
	if path == "" {
		return nil, errNoKeyFile
	}
	key, err := readKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKey(path)
	}
	if err != nil {
		return nil, err
	}
	return boxOfFile(path, key)
}

var errNoKeyFile = errors.New("secret: no key file configured (secret_key_file)")

// boxOfFile makes the Box of a key read from path, and wipes the key.
func boxOfFile(path string, key []byte) (*Box, error) {
	box, err := NewBox(key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s: %w", path, err)
	}
	return box, nil
}

// createKey writes a new key to a temporary file and links it into place,
// so a reader never sees a half-written key and a concurrent creator's key
// wins when it was there first.
func createKey(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secret: create key folder: %w", err)
	}
	key := make([]byte, KeySize)
	rand.Read(key) // never fails: crypto/rand crashes the program instead
	tmp, err := os.CreateTemp(dir, ".secret-key-*")
	if err != nil {
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret: write key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("secret: write key file: %w", err)
	}
	// Link fails when path exists: another starter was first, and its key
	// is the one to use.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			clear(key)
			return readKey(path)
		}
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	return key, nil
}

func readKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret: read key file: %w", err)
	}
	return key, nil
}

// Seal encrypts plaintext. Each call uses a fresh random nonce, so sealing
// the same plaintext twice gives different results. The error is always
// nil; it is there for the Sealer interfaces that take a Box.
func (b *Box) Seal(plaintext []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	rand.Read(nonce) // never fails: crypto/rand crashes the program instead
	return b.aead.Seal(nonce, nonce, plaintext, nil), nil
}

// ErrOpen means a sealed value was damaged or sealed with another key.
var ErrOpen = errors.New("secret: cannot open: damaged, or sealed with another key")

// Open decrypts what Seal made. A value that was altered, or sealed with
// another key, is ErrOpen.
func (b *Box) Open(sealed []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, ErrOpen
	}
	plaintext, err := b.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, ErrOpen
	}
	return plaintext, nil
}
