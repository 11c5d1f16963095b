package main

import (
	_ "fyne.io/fyne/v2/app"
	_ "github.com/zalando/go-keyring"
	_ "golang.org/x/oauth2"
)

func main() {}
