package safefetch_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/mlforge/mlforge/internal/safefetch"
)

func ExampleCheckAddr() {
	for _, s := range []string{"8.8.8.8", "127.0.0.1", "::ffff:10.0.0.1", "169.254.169.254", "100.64.0.1"} {
		fmt.Println(s, safefetch.CheckAddr(netip.MustParseAddr(s)))
	}
	// Output:
	// 8.8.8.8 <nil>
	// 127.0.0.1 refused: 127.0.0.1 is a loopback address
	// ::ffff:10.0.0.1 refused: ::ffff:10.0.0.1 is a private address (10.0.0.1)
	// 169.254.169.254 refused: 169.254.169.254 is the cloud metadata address (link-local)
	// 100.64.0.1 refused: 100.64.0.1 is a shared (carrier-grade NAT) address
}

func ExampleClient_Get() {
	c := safefetch.New(safefetch.Options{})
	for _, u := range []string{"http://2130706433/", "file:///etc/passwd", "http://[::ffff:127.0.0.1]/"} {
		_, err := c.Get(context.Background(), u)
		fmt.Println(err)
	}
	// Output:
	// refused: host "2130706433" is 127.0.0.1 written in a non-standard numeric form: 127.0.0.1 is a loopback address (http://2130706433/)
	// refused: scheme "file" is not allowed (only http and https) (file:///etc/passwd)
	// refused: ::ffff:127.0.0.1 is a loopback address (127.0.0.1) (http://[::ffff:127.0.0.1]/)
}
