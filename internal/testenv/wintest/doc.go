// Package wintest runs sesame's Windows build end to end under Wine: the
// test in this package builds sesame.exe (GOOS=windows, as released) and
// small Windows helper programs (testdata/winhelper, testdata/credop),
// and drives them in a Wine prefix of its own (testenv.NeedWine) against
// moto on 127.0.0.1, on the Wine console through tmux where a person
// would type. It has no non-test code.
package wintest
