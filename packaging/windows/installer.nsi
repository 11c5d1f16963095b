; Kantata Connect's Windows installer, "Kantata Connect Setup.exe".
;
; Built on Linux by scripts/windows-build.sh (make windows) with makensis,
; which passes NAME, ID, VERSION, BUILD, NUMERIC_VERSION, WEBSITE, ICON (the
; .ico), WELCOME_BITMAP (the app's picture for the welcome and finish pages,
; 164x314), SRCDIR (the folder with both programs and software-opengl\, the
; software-drawn copy of the window with Mesa's OpenGL) and OUTFILE.
;
; It installs for the current user only: no administrator, files in
; %LocalAppData%\Programs\Kantata Connect, a Start-menu entry, an entry in
; Apps & features (HKCU), the app's own link (com.kantataconnect.desktop:,
; HKCU\Software\Classes), and, if the user keeps the box ticked, the command
; line on the user's PATH. Uninstalling keeps the user's connections, clients
; and secrets unless they tick the box that removes them.
;
; Silent use (no window, no question):
;   "Kantata Connect Setup.exe" /S [/NOPATH] [/D=C:\another\folder]
;       installs with the defaults; /NOPATH leaves PATH alone.
;   "Uninstall Kantata Connect.exe" /S [/REMOVEDATA]
;       uninstalls; /REMOVEDATA also deletes the connections and clients with
;       their secrets and tokens, and the records folder.

Unicode true
Target amd64-unicode
ManifestDPIAware true
ManifestSupportedOS Win10
RequestExecutionLevel user
SetCompressor /SOLID lzma
; Large enough to hold one program whole: the second, nearly the same, then
; costs next to nothing.
SetCompressorDictSize 32

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include WordFunc.nsh
!include WinMessages.nsh
!include Sections.nsh

!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${ID}"
!define APP_KEY "Software\${NAME}"
!define GUI_EXE "${NAME}.exe"
!define CLI_EXE "kantata-connect.exe"
!define SOFT_DIR "software-opengl"
!define UNINSTALLER "Uninstall ${NAME}.exe"
; The app's own link (com.kantataconnect.desktop:/callback?code=…): Kantata's
; answer to a sign-in of the app-link kind. Windows hands such an address to
; the window's program, which gives it to the sign-in waiting for it.
; The scheme is the app's ID (FyneApp.toml), as handover.Scheme is.
!define LINK_SCHEME "${ID}"
!define LINK_KEY "Software\Classes\${LINK_SCHEME}"

Name "${NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${NAME}"
InstallDirRegKey HKCU "${APP_KEY}" "InstallDir"
BrandingText "${NAME} ${VERSION}"

VIProductVersion "${NUMERIC_VERSION}"
VIFileVersion "${NUMERIC_VERSION}"
VIAddVersionKey "ProductName" "${NAME}"
VIAddVersionKey "CompanyName" "${NAME}"
VIAddVersionKey "FileDescription" "${NAME} Setup"
VIAddVersionKey "FileVersion" "${VERSION} (build ${BUILD})"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "Comments" "${WEBSITE}"
VIAddVersionKey "LegalCopyright" "Kantata Connect contributors"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_SMALLDESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${GUI_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${NAME}"
!define MUI_WELCOMEFINISHPAGE_BITMAP "${WELCOME_BITMAP}"
!define MUI_WELCOMEFINISHPAGE_BITMAP_NOSTRETCH ; the icon keeps its shape at any scale
!define MUI_WELCOMEPAGE_TITLE "Welcome to ${NAME} ${VERSION}"
!define MUI_WELCOMEPAGE_TEXT "${NAME} sets up and checks OAuth 2.0 connections to Kantata OX: you add the client \
ID and secret Kantata gave you, sign in in your own browser, and see which Kantata user the connection works as.$\r$\n$\r$\n\
It installs for you alone, with no administrator password. Your secrets stay in the Windows Credential Manager.$\r$\n$\r$\n\
Click Next to continue."

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Var PathValue

Section "${NAME}" SecApp
	SectionIn RO
	SetShellVarContext current
	SetOutPath "$INSTDIR"
	File "${SRCDIR}\${GUI_EXE}"
	File "${SRCDIR}\${CLI_EXE}"
	; The window's program again, beside Mesa's software OpenGL: started
	; when the computer's own OpenGL can't draw the window.
	SetOutPath "$INSTDIR\${SOFT_DIR}"
	File "${SRCDIR}\${SOFT_DIR}\${GUI_EXE}"
	File "${SRCDIR}\${SOFT_DIR}\opengl32.dll"
	File "${SRCDIR}\${SOFT_DIR}\libgallium_wgl.dll"
	File "${SRCDIR}\${SOFT_DIR}\Mesa licence.txt"
	SetOutPath "$INSTDIR"
	WriteUninstaller "$INSTDIR\${UNINSTALLER}"
	CreateShortcut "$SMPROGRAMS\${NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0 SW_SHOWNORMAL "" "Set up and check OAuth 2.0 connections to Kantata OX"
	WriteRegStr HKCU "${APP_KEY}" "InstallDir" "$INSTDIR"

	; Apps & features
	WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${NAME}"
	WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${NAME}"
	WriteRegStr HKCU "${UNINST_KEY}" "URLInfoAbout" "${WEBSITE}"
	WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$\"$INSTDIR\${GUI_EXE}$\",0"
	WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" "$\"$INSTDIR\${UNINSTALLER}$\""
	WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" "$\"$INSTDIR\${UNINSTALLER}$\" /S"
	WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
	WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
	${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
	WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" $0

	; The app's own link: a browser that reaches such an address asks
	; Windows, which starts the window's program with it.
	WriteRegStr HKCU "${LINK_KEY}" "" "URL:${NAME} link"
	WriteRegStr HKCU "${LINK_KEY}" "URL Protocol" ""
	WriteRegStr HKCU "${LINK_KEY}\DefaultIcon" "" "$\"$INSTDIR\${GUI_EXE}$\",0"
	WriteRegStr HKCU "${LINK_KEY}\shell\open\command" "" "$\"$INSTDIR\${GUI_EXE}$\" $\"%1$\""
SectionEnd

Section "Add the command line (kantata-connect) to my PATH" SecPath
	Call AddToPath
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
	!insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "The app, its command line, a Start-menu entry, and the app's own link for Kantata's answer to a sign-in."
	!insertmacro MUI_DESCRIPTION_TEXT ${SecPath} "Lets you type kantata-connect in Command Prompt or PowerShell (for support and scripts)."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Function .onInit
	SetShellVarContext current
	${GetParameters} $0
	ClearErrors
	${GetOptions} $0 "/NOPATH" $1
	${IfNot} ${Errors}
		!insertmacro UnselectSection ${SecPath}
	${EndIf}
FunctionEnd

; ReadUserPath sets $PathValue to the user's own PATH (HKCU\Environment) and
; clears the error flag, or sets the error flag when that value exists but is
; longer than the installer can hold: then PATH must be left alone, as
; writing it back would cut it.
!macro ReadUserPath un
Function ${un}ReadUserPath
	ClearErrors
	ReadRegStr $PathValue HKCU "Environment" "Path"
	${IfNot} ${Errors}
		Return
	${EndIf}
	; Missing (fine: an empty PATH), or too long to read (not fine)?
	StrCpy $PathValue ""
	StrCpy $0 0
	${Do}
		ClearErrors
		EnumRegValue $1 HKCU "Environment" $0
		${If} ${Errors}
		${OrIf} $1 == ""
			ClearErrors
			Return
		${EndIf}
		${If} $1 == "Path"
			SetErrors
			Return
		${EndIf}
		IntOp $0 $0 + 1
	${Loop}
FunctionEnd
!macroend
!insertmacro ReadUserPath ""
!insertmacro ReadUserPath "un."

Function AddToPath
	Call ReadUserPath
	${If} ${Errors}
		DetailPrint "Your PATH is too long for the installer to change safely; add $INSTDIR to it yourself."
		Return
	${EndIf}
	${WordAdd} "$PathValue" ";" "+$INSTDIR" $0
	StrLen $1 $0
	${If} $1 >= ${NSIS_MAX_STRLEN}
		DetailPrint "Your PATH would be too long for the installer to change safely; add $INSTDIR to it yourself."
		Return
	${EndIf}
	${If} $0 != $PathValue
		WriteRegExpandStr HKCU "Environment" "Path" $0
		WriteRegDWORD HKCU "${APP_KEY}" "AddedToPath" 1
		SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
		DetailPrint "Added $INSTDIR to your PATH: new Command Prompt and PowerShell windows find kantata-connect."
	${EndIf}
FunctionEnd

; Uninstalling. Sections run in order: the data (when asked for) goes first,
; while the command line that deletes it is still there.

Section /o "un.Also delete my connections, clients and their secrets" UnSecData
	SetShellVarContext current
	DetailPrint "Deleting your connections and clients, with their secrets and tokens"
	ExecWait '"$INSTDIR\${CLI_EXE}" delete all --yes' $0
	${If} $0 != 0
		DetailPrint "The command line could not delete everything (exit code $0); the records folder is removed all the same."
	${EndIf}
	RMDir /r "$APPDATA\kantata-connect"
SectionEnd

Section "un.${NAME}" UnSecApp
	SectionIn RO
	SetShellVarContext current
	Delete "$SMPROGRAMS\${NAME}.lnk"
	Delete "$INSTDIR\${GUI_EXE}"
	Delete "$INSTDIR\${CLI_EXE}"
	Delete "$INSTDIR\${SOFT_DIR}\${GUI_EXE}"
	Delete "$INSTDIR\${SOFT_DIR}\opengl32.dll"
	Delete "$INSTDIR\${SOFT_DIR}\libgallium_wgl.dll"
	Delete "$INSTDIR\${SOFT_DIR}\Mesa licence.txt"
	RMDir "$INSTDIR\${SOFT_DIR}"
	Delete "$INSTDIR\${UNINSTALLER}"
	RMDir "$INSTDIR"

	ReadRegDWORD $0 HKCU "${APP_KEY}" "AddedToPath"
	${If} $0 == 1
		Call un.ReadUserPath
		${IfNot} ${Errors}
			${un.WordAdd} "$PathValue" ";" "-$INSTDIR" $1
			${If} $1 != $PathValue
				WriteRegExpandStr HKCU "Environment" "Path" $1
				SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
			${EndIf}
		${EndIf}
	${EndIf}

	DeleteRegKey HKCU "${UNINST_KEY}"
	DeleteRegKey HKCU "${APP_KEY}"
	DeleteRegKey HKCU "${LINK_KEY}"
SectionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
	!insertmacro MUI_DESCRIPTION_TEXT ${UnSecData} "Without this, your connections and clients stay (in %AppData%\kantata-connect and the Credential Manager) for when you install again."
	!insertmacro MUI_DESCRIPTION_TEXT ${UnSecApp} "The app, its command line and its Start-menu entry."
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END

Function un.onInit
	SetShellVarContext current
	${un.GetParameters} $0
	ClearErrors
	${un.GetOptions} $0 "/REMOVEDATA" $1
	${IfNot} ${Errors}
		!insertmacro SelectSection ${UnSecData}
	${EndIf}
FunctionEnd
