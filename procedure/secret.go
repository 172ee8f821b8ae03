package procedure

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Sealer encrypts the secrets given in step 1 before they reach the store,
// and decrypts them for the assigned profesional.
type Sealer interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// KeyEnv is the environment variable that may hold the base64 sealing key.
const KeyEnv = "TRAMITE_SECRET_KEY"

type aesSealer struct{ aead cipher.AEAD }

// NewAESSealer returns a Sealer using AES-256-GCM with a random nonce per
// seal. key must be 32 bytes.
func NewAESSealer(key []byte) (Sealer, error) {
	if len(key) != 32 {
		return nil, Errorf(EINVALID, "la clave de cifrado debe tener 32 bytes (tiene %d)", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, wrapOp("new sealer", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, wrapOp("new sealer", err)
	}
	return aesSealer{aead}, nil
}

func (s aesSealer) Seal(plaintext []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, wrapOp("seal", err)
	}
	return s.aead.Seal(nonce, nonce, plaintext, []byte("tramite-secrets-v1")), nil
}

func (s aesSealer) Open(sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, Errorf(EINTERNAL, "los secretos cifrados están dañados")
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte("tramite-secrets-v1"))
	if err != nil {
		return nil, &Error{Code: EINTERNAL, Op: "open secrets", Message: "no se pudieron descifrar los secretos: la clave no corresponde o los datos están dañados", Err: err}
	}
	return out, nil
}

// LoadKey returns the sealing key: from the environment variable KeyEnv
// (base64) when set, else from the key file at path, which is created with
// a fresh random key and permissions 0600 on first use. A key file readable
// by group or others is refused.
func LoadKey(path string) ([]byte, error) {
	if v := strings.TrimSpace(os.Getenv(KeyEnv)); v != "" {
		k, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(k) != 32 {
			return nil, Errorf(EINVALID, "la variable %s debe contener 32 bytes en base64", KeyEnv)
		}
		return k, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, wrapOp("load key", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, wrapOp("load key", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, wrapOp("load key", err)
		}
		_, werr := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, wrapOp("load key", werr)
		}
		return k, nil
	}
	if err != nil {
		return nil, wrapOp("load key", err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, Errorf(EINVALID, "el archivo de clave %s es legible por otros usuarios: ejecute chmod 600", filepath.Base(path))
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(k) != 32 {
		return nil, Errorf(EINVALID, "el archivo de clave %s no contiene 32 bytes en base64", filepath.Base(path))
	}
	return k, nil
}

func sealSecrets(s Sealer, m map[string]string) ([]byte, error) {
	if len(m) == 0 {
		return nil, nil
	}
	if s == nil {
		return nil, Errorf(EINTERNAL, "no hay una clave de cifrado configurada para guardar credenciales")
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, wrapOp("seal secrets", err)
	}
	return s.Seal(b)
}

func openSecrets(s Sealer, sealed []byte) (map[string]string, error) {
	if len(sealed) == 0 {
		return map[string]string{}, nil
	}
	if s == nil {
		return nil, Errorf(EINTERNAL, "no hay una clave de cifrado configurada para leer credenciales")
	}
	b, err := s.Open(sealed)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("open secrets: %w", err)
	}
	return m, nil
}
