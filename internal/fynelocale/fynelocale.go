// Package fynelocale keeps Fyne from complaining about the C locale at start.
//
// Fyne 2.7.1's package fyne.io/fyne/v2/lang loads its translations in its
// init (AddTranslationsFS, then updateLocalizer), which picks a language
// from the locale variables through github.com/jeandeaual/go-locale. That library reads the first set one of
// LC_ALL, LC_MESSAGES and LANG; it treats exactly "C" and "POSIX" as "no
// locale" (Fyne then uses English), but it turns "C.UTF-8" (the default of
// Debian containers and many SSH sessions) into the language "C", which Fyne
// cannot parse, so every start, of a command as of the window, printed
// "Fyne error: Error parsing user locale C" and two more lines on stderr.
// The command line never calls Fyne, but the one binary links it, so its init
// runs all the same.
//
// This package's init runs before Fyne's (see below) and, when that variable
// names the C or POSIX locale with a codeset or modifier ("C.UTF-8",
// "C.utf8", "POSIX.UTF-8", "C@euro") and LANGUAGE does not override it,
// sets it to plain "C": the same locale for messages, which go-locale knows
// means English.
//
// main calls Restore first thing, which puts back "C.<codeset>" values (with
// or without a modifier): glibc knows them, so the program, its child
// processes (the browser) and the window's keyboard input keep the user's
// UTF-8; after start Fyne only reads the locale through lang.SystemLocale,
// which cuts at the "." and maps the one-letter "C" to English without a
// word. The others ("POSIX.UTF-8", "C@euro") stay "C": glibc has no such
// locale and falls back to C for them anyway, while lang.SystemLocale would
// log again each time the window asks for the locale.
//
// Why not "en": it is no locale glibc knows, and the browser and other child
// processes would have inherited it. Why not silence Fyne's log: it is the
// standard logger, which carries real errors too. Why not a Fyne call: lang
// has no exported way to set the language, and none could run before its init.
//
// Init order: since Go 1.21 packages initialize in import-path order, each as
// soon as everything it imports is initialized. This package imports only os
// and strings, so it is ready as soon as os is; fyne.io/fyne/v2/lang imports
// github.com/nicksnyder/go-i18n and golang.org/x/text, whose paths sort after
// this one's, so they, and lang after them, cannot initialize while this
// package is still waiting. TestCommandLineQuietInCLocale in the main package
// runs the built binary and fails if a Fyne upgrade breaks this.
package fynelocale

import (
	"os"
	"strings"
)

// rewritten is the variable init changed and its value before, for Restore.
var rewritten struct {
	name, value string
	done        bool
}

func init() {
	name, value, ok := cWithCodeset(os.Getenv)
	if !ok {
		return
	}
	if err := os.Setenv(name, "C"); err != nil {
		return
	}
	rewritten.name, rewritten.value, rewritten.done = name, value, true
}

// Restore puts back the locale variable init changed, if it changed a
// "C.<codeset>" value (see the package comment for why not the others).
// main calls it before anything else.
func Restore() {
	if !rewritten.done {
		return
	}
	rewritten.done = false
	if strings.HasPrefix(rewritten.value, "C.") {
		os.Setenv(rewritten.name, rewritten.value)
	}
}

// cWithCodeset reports the variable go-locale takes the locale from, and its
// value, when that value is the C or POSIX locale with a codeset or modifier
// and LANGUAGE is unset: the case where go-locale hands Fyne "C" or "POSIX"
// as a language. Exactly "C" or "POSIX", any other locale, and a set LANGUAGE
// (go-locale then uses it) are left alone.
func cWithCodeset(getenv func(string) string) (name, value string, ok bool) {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		value := getenv(name)
		if value == "" {
			continue
		}
		base, _, _ := strings.Cut(value, ".")
		base, _, _ = strings.Cut(base, "@")
		if (base != "C" && base != "POSIX") || value == base || getenv("LANGUAGE") != "" {
			return "", "", false
		}
		return name, value, true
	}
	return "", "", false
}
