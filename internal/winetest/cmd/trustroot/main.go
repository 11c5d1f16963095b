//go:build windows

// Command trustroot adds a certificate authority to the current user's
// trusted roots in Windows' certificate store, as an IT department does with
// its own authority, for the Wine tests (internal/winetest) of a stand-in
// Kantata whose certificate that authority issued:
//
//	trustroot FILE     FILE holds the authority's certificate in PEM
package main

import (
	"encoding/pem"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: trustroot FILE")
		os.Exit(2)
	}
	if err := trust(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "trustroot:", err)
		os.Exit(1)
	}
}

func trust(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return fmt.Errorf("%s holds no PEM certificate", file)
	}
	root, err := windows.UTF16PtrFromString("ROOT")
	if err != nil {
		return err
	}
	store, err := windows.CertOpenSystemStore(0, root)
	if err != nil {
		return fmt.Errorf("open the ROOT store: %w", err)
	}
	defer windows.CertCloseStore(store, 0)
	cert, err := windows.CertCreateCertificateContext(windows.X509_ASN_ENCODING|windows.PKCS_7_ASN_ENCODING,
		&block.Bytes[0], uint32(len(block.Bytes)))
	if err != nil {
		return fmt.Errorf("read the certificate: %w", err)
	}
	defer windows.CertFreeCertificateContext(cert)
	if err := windows.CertAddCertificateContextToStore(store, cert, windows.CERT_STORE_ADD_REPLACE_EXISTING, nil); err != nil {
		return fmt.Errorf("add it to the ROOT store: %w", err)
	}
	return nil
}
