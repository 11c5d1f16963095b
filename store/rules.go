package store

import "strings"

// The checks below apply SaveClient's rules to a record that comes from
// outside (an import file) without a store, so a whole file can be checked
// before anything is saved.

// NormalizeName trims a client or connection name and applies the naming
// rules (not empty, no line breaks or control characters, at most
// MaxNameRunes), without looking for a clash with saved names.
func NormalizeName(raw string) (string, error) {
	return checkName("", raw, func(string) bool { return false })
}

// NormalizeClient trims c's fields, fills empty endpoints with Kantata's and
// checks every field as SaveClient does, except for a name clash with saved
// clients. ID, times and the secret are not looked at.
func NormalizeClient(c Client) (Client, error) {
	if err := normalizeClient(&records{}, &c); err != nil {
		return Client{}, err
	}
	return c, nil
}

// CheckSecret reports a client secret SaveClient would refuse: empty, or too
// long for every platform's keychain.
func CheckSecret(secret string) error {
	if strings.TrimSpace(secret) == "" {
		return ErrSecretRequired
	}
	return CheckSecretSize(ClientSecretKey("new"), secret)
}
