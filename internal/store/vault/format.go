package vault

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// The file format; the package doc describes it.
const (
	magic         = "sesame.vault"
	formatVersion = 1
	kdfArgon2id   = 1

	saltSize     = 32
	keySize      = 32
	checkSize    = sha256.Size
	checksumSize = sha256.Size

	offVersion = len(magic)
	offKDF     = offVersion + 1
	offTime    = offKDF + 1
	offMemory  = offTime + 4
	offThreads = offMemory + 4
	offSalt    = offThreads + 1
	offCheck   = offSalt + saltSize
	offNonce   = offCheck + checkSize
	headerSize = offNonce + chacha20poly1305.NonceSizeX

	minFileSize = headerSize + chacha20poly1305.Overhead + checksumSize

	// padBlock rounds the plaintext up, so that the file size tells
	// little about how many items there are or how long they are.
	padBlock = 256
)

// Labels of the subkeys derived from the argon2id output, and the constant
// the key-check value authenticates.
const (
	labelEncrypt = "sesame vault v1 encryption key"
	labelCheck   = "sesame vault v1 key check key"
	checkConst   = "sesame vault v1 key check"
)

// kdfParams are argon2id's cost parameters.
type kdfParams struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
}

// defaultParams are the parameters of new vaults: RFC 9106's second
// recommended option (64 MiB, 3 passes, 4 lanes), about 0.2 s.
var defaultParams = kdfParams{Time: 3, Memory: 64 << 10, Threads: 4}

// Bounds on the parameters a vault file may ask for, so that a damaged or
// tampered header cannot make sesame allocate gigabytes or spin for minutes
// before the passphrase is even checked: at most 1 GiB (16 times the
// default), 10 passes and 16 lanes. argon2id itself needs at least 8 KiB per
// lane.
const (
	maxTime    = 10
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxThreads = 16
)

// paramsError is a header whose argon2id parameters are out of bounds.
type paramsError struct{ reason string }

func (e *paramsError) Error() string { return e.reason }

// check returns a *paramsError when the parameters are out of bounds.
func (p kdfParams) check() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return &paramsError{fmt.Sprintf("argon2id passes %d, not between 1 and %d", p.Time, maxTime)}
	case p.Threads < 1 || p.Threads > maxThreads:
		return &paramsError{fmt.Sprintf("argon2id lanes %d, not between 1 and %d", p.Threads, maxThreads)}
	case p.Memory > maxMemory:
		return &paramsError{fmt.Sprintf("argon2id memory %d KiB, over the limit of 1 GiB", p.Memory)}
	case p.Memory < 8*uint32(p.Threads):
		return &paramsError{fmt.Sprintf("argon2id memory %d KiB, under 8 KiB per lane", p.Memory)}
	}
	return nil
}

func (p kdfParams) valid() bool { return p.check() == nil }

// header is the clear-text part of a vault file.
type header struct {
	params kdfParams
	salt   [saltSize]byte
	check  [checkSize]byte
	nonce  [chacha20poly1305.NonceSizeX]byte
}

func (h *header) marshal() []byte {
	b := make([]byte, headerSize)
	copy(b, magic)
	b[offVersion] = formatVersion
	b[offKDF] = kdfArgon2id
	binary.BigEndian.PutUint32(b[offTime:], h.params.Time)
	binary.BigEndian.PutUint32(b[offMemory:], h.params.Memory)
	b[offThreads] = h.params.Threads
	copy(b[offSalt:], h.salt[:])
	copy(b[offCheck:], h.check[:])
	copy(b[offNonce:], h.nonce[:])
	return b
}

// Reasons a file cannot be parsed. formatError turns them into the
// message that names the file.
var (
	errNotVault = errors.New("not a sesame vault")
	errDamaged  = errors.New("damaged")
)

// newerVersionError is a vault written in a format this sesame does not know.
type newerVersionError struct{ version int }

func (e *newerVersionError) Error() string {
	return fmt.Sprintf("format version %d is newer than this sesame understands", e.version)
}

// parseFile checks a whole vault file and splits it into its header and
// ciphertext. It needs no key: the trailing checksum catches accidental
// damage before any key is derived.
func parseFile(b []byte) (h header, ad, ciphertext []byte, err error) {
	if len(b) < len(magic)+1 || string(b[:len(magic)]) != magic {
		return h, nil, nil, errNotVault
	}
	if v := int(b[offVersion]); v != formatVersion {
		if v > formatVersion {
			return h, nil, nil, &newerVersionError{v}
		}
		return h, nil, nil, errDamaged
	}
	if len(b) < minFileSize {
		return h, nil, nil, errDamaged
	}
	body, sum := b[:len(b)-checksumSize], b[len(b)-checksumSize:]
	want := sha256.Sum256(body)
	if subtle.ConstantTimeCompare(want[:], sum) != 1 {
		return h, nil, nil, errDamaged
	}
	if b[offKDF] != kdfArgon2id {
		return h, nil, nil, errDamaged
	}
	h.params = kdfParams{
		Time:    binary.BigEndian.Uint32(b[offTime:]),
		Memory:  binary.BigEndian.Uint32(b[offMemory:]),
		Threads: b[offThreads],
	}
	if err := h.params.check(); err != nil {
		return h, nil, nil, err
	}
	copy(h.salt[:], b[offSalt:])
	copy(h.check[:], b[offCheck:])
	copy(h.nonce[:], b[offNonce:])
	return h, body[:headerSize], body[headerSize:], nil
}

// deriveKey runs argon2id: the vault key, from which the encryption and
// key-check subkeys are derived.
func deriveKey(passphrase []byte, salt []byte, p kdfParams) []byte {
	return argon2.IDKey(passphrase, salt, p.Time, p.Memory, p.Threads, keySize)
}

func subkey(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// checkValue is the key-check value of a vault key: it tells a wrong
// passphrase from a damaged file.
func checkValue(key []byte) [checkSize]byte {
	m := hmac.New(sha256.New, subkey(key, labelCheck))
	m.Write([]byte(checkConst))
	var c [checkSize]byte
	copy(c[:], m.Sum(nil))
	return c
}

// keyMatches reports whether key is the key of the vault with header h.
func keyMatches(key []byte, h *header) bool {
	c := checkValue(key)
	return hmac.Equal(c[:], h.check[:])
}

// contents is the plaintext of a vault.
type contents struct {
	Items map[string][]byte `json:"items"`
}

// seal encrypts items under key into a whole vault file with a fresh nonce.
func seal(key []byte, params kdfParams, salt [saltSize]byte, items map[string][]byte) ([]byte, error) {
	plain, err := json.Marshal(contents{Items: items})
	if err != nil {
		return nil, err
	}
	// Pad with spaces, which the JSON decoder skips.
	if n := len(plain) % padBlock; n != 0 {
		plain = append(plain, make([]byte, padBlock-n)...)
		for i := len(plain) - (padBlock - n); i < len(plain); i++ {
			plain[i] = ' '
		}
	}
	defer clear(plain)
	h := header{params: params, salt: salt, check: checkValue(key)}
	if _, err := rand.Read(h.nonce[:]); err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(subkey(key, labelEncrypt))
	if err != nil {
		return nil, err
	}
	out := h.marshal()
	out = aead.Seal(out, h.nonce[:], plain, out)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...), nil
}

// open decrypts a vault's ciphertext with a key that passed keyMatches.
// Any failure means the file is damaged.
func open(key []byte, h *header, ad, ciphertext []byte) (map[string][]byte, error) {
	aead, err := chacha20poly1305.NewX(subkey(key, labelEncrypt))
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, h.nonce[:], ciphertext, ad)
	if err != nil {
		return nil, errDamaged
	}
	defer clear(plain)
	var c contents
	if err := json.Unmarshal(plain, &c); err != nil {
		return nil, errDamaged
	}
	if c.Items == nil {
		c.Items = map[string][]byte{}
	}
	return c.Items, nil
}
