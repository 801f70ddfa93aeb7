package cliflag_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/shuffledet/shuffledet/internal/cliflag"
)

// parse runs an app with the flag -n (alias -num, default 20, environment variable CLIFLAG_N)
// on args and returns c.Int("n"), c.IsSet("n") and the error.
func parse(t *testing.T, args ...string) (n int, set bool, err error) {
	t.Helper()
	app := &cli.App{
		Name:   "app",
		Writer: &bytes.Buffer{}, ErrWriter: &bytes.Buffer{},
		Flags: []cli.Flag{&cliflag.Int{IntFlag: cli.IntFlag{Name: "n", Aliases: []string{"num"}, Value: 20, EnvVars: []string{"CLIFLAG_N"}}}},
		Action: func(c *cli.Context) error {
			n, set = c.Int("n"), c.IsSet("n")
			return nil
		},
	}
	err = app.Run(append([]string{"app"}, args...))
	return n, set, err
}

// TestIntDecimal: a value is read in decimal, leading zeros and all (flag.Int read 0600 as 384,
// 010 as 8 and 0x10 as 16); anything but decimal digits with an optional sign is refused, the
// message naming the flag and the value; the default, an alias and c.IsSet work as for
// cli.IntFlag.
func TestIntDecimal(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
		set  bool
	}{
		{nil, 20, false},
		{[]string{"-n", "600"}, 600, true},
		{[]string{"-n", "0600"}, 600, true},
		{[]string{"-n", "010"}, 10, true},
		{[]string{"-n", "0"}, 0, true},
		{[]string{"-n", "-5"}, -5, true},
		{[]string{"-n", "+7"}, 7, true},
		{[]string{"-n=-007"}, -7, true},
		{[]string{"--num", "09"}, 9, true},
	} {
		if n, set, err := parse(t, c.args...); err != nil || n != c.want || set != c.set {
			t.Errorf("%q: %d, set %v (%v), want %d, set %v", c.args, n, set, err, c.want, c.set)
		}
	}
	for _, v := range []string{"0x10", "0X10", "0b1", "0o7", "1_000", "1e3", "1.0", "", " 5", "5 ", "x", "--5"} {
		want := `invalid value "` + v + `" for flag -n: want a whole number in decimal digits, with an optional sign`
		if n, _, err := parse(t, "-n", v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("-n %q: %d (%v), want the error %q", v, n, err, want)
		}
	}
	if _, _, err := parse(t, "-n", "99999999999999999999"); err == nil || !strings.Contains(err.Error(), `invalid value "99999999999999999999" for flag -n: out of range`) {
		t.Errorf("-n 99999999999999999999: %v, want out of range", err)
	}
}

// TestIntEnv: the environment variable is read in decimal too, and counts as set; the command
// line overrides it.
func TestIntEnv(t *testing.T) {
	t.Setenv("CLIFLAG_N", "010")
	if n, set, err := parse(t); err != nil || n != 10 || !set {
		t.Errorf("CLIFLAG_N=010: %d, set %v (%v), want 10, set", n, set, err)
	}
	if n, _, err := parse(t, "-n", "3"); err != nil || n != 3 {
		t.Errorf("CLIFLAG_N=010 -n 3: %d (%v), want 3", n, err)
	}
	t.Setenv("CLIFLAG_N", "0x10")
	if _, _, err := parse(t); err == nil || !strings.Contains(err.Error(), `"0x10"`) || !strings.Contains(err.Error(), "for flag n") {
		t.Errorf("CLIFLAG_N=0x10: %v, want an error naming the value and the flag", err)
	}
}

// TestIntDestinationAndHelp: Destination receives the value; the help shows the usage and the
// default (Value, or DefaultText) as for cli.IntFlag.
func TestIntDestinationAndHelp(t *testing.T) {
	var dest int
	var out bytes.Buffer
	app := &cli.App{
		Name:   "app",
		Writer: &out, ErrWriter: &out,
		Flags: []cli.Flag{
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "n", Value: 20, Usage: "runs", Destination: &dest}},
			&cliflag.Int{IntFlag: cli.IntFlag{Name: "res", Usage: "shorter side", DefaultText: "the model's"}},
		},
		Action: func(*cli.Context) error { return nil },
	}
	if err := app.Run([]string{"app", "-n", "012"}); err != nil || dest != 12 {
		t.Errorf("-n 012 into Destination: %d (%v), want 12", dest, err)
	}
	if err := app.Run([]string{"app", "-h"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-n value", "runs (default: 20)", "shorter side (default: the model's)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}

// TestIntValue: c.Value, cli's accessor for any flag, gives the int as for a cli.IntFlag (it
// asserts the flag.Value is a flag.Getter: without Get it panicked).
func TestIntValue(t *testing.T) {
	var got any
	app := &cli.App{
		Name:   "app",
		Writer: &bytes.Buffer{}, ErrWriter: &bytes.Buffer{},
		Flags:  []cli.Flag{&cliflag.Int{IntFlag: cli.IntFlag{Name: "n", Value: 20}}},
		Action: func(c *cli.Context) error { got = c.Value("n"); return nil },
	}
	for _, c := range []struct {
		args []string
		want int
	}{{nil, 20}, {[]string{"-n", "0600"}, 600}} {
		if err := app.Run(append([]string{"app"}, c.args...)); err != nil || got != any(c.want) {
			t.Errorf("%q: c.Value: %#v (%v), want the int %d", c.args, got, err, c.want)
		}
	}
}
