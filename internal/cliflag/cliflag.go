// Package cliflag holds the flag types both commands use where urfave/cli's own read a value
// differently from what a user types.
package cliflag

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"

	"github.com/urfave/cli/v2"
)

// Int is a cli.IntFlag whose value is read in decimal only. cli.IntFlag registers Go's flag.Int,
// which reads a value as Go source does: 0x10 is 16 and 0600 is 384 (octal), so -res 0600 ran at
// 384. Here 0600 is 600, as strconv.Atoi, GNU head -n and Python's int read it, a sign (+ or -)
// may lead, and anything else (0x10, 0b1, 1_000, 1e3) is refused, the message naming the flag
// and the value. An environment variable or file the flag names (EnvVars, FilePath) is read in
// decimal too. c.Int, c.Value, c.IsSet, DefaultText and the help work as for cli.IntFlag.
type Int struct {
	cli.IntFlag
}

// Apply registers the flag's names on set, each holding one decimal value.
func (f *Int) Apply(set *flag.FlagSet) error {
	f.Base = 10 // for IntFlag.Apply's reading of EnvVars and FilePath
	// IntFlag.Apply reads the environment (into Value and HasBeenSet) and keeps the default for
	// the help; its own flag.Int goes to a set that is thrown away.
	if err := f.IntFlag.Apply(flag.NewFlagSet(f.Name, flag.ContinueOnError)); err != nil {
		return err
	}
	p := f.Destination
	if p == nil {
		p = new(int)
	}
	*p = f.Value
	for _, name := range f.Names() {
		set.Var((*decimal)(p), name, f.Usage)
	}
	return nil
}

// decimal is a flag.Getter holding an int that Set reads in decimal. String writes it in decimal,
// which cli's c.Int reads back (with base 0: a leading zero is never written); Get gives the int,
// as flag.Int's does, for cli's c.Value (which asserts a flag.Getter).
type decimal int

func (d *decimal) String() string { return strconv.Itoa(int(*d)) }

func (d *decimal) Get() any { return int(*d) }

func (d *decimal) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, strconv.IntSize)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return fmt.Errorf("out of range (%d to %d)", math.MinInt, math.MaxInt)
	case err != nil:
		return errors.New("want a whole number in decimal digits, with an optional sign")
	}
	*d = decimal(n)
	return nil
}
