// Package gsblob opens gs:// buckets (Google Cloud Storage) through Cloud
// Storage's S3-compatible XML API (https://storage.googleapis.com, AWS
// Signature V4 with an HMAC key) with gocloud.dev/blob/s3blob, the driver
// mlforge uses for s3:// already: gocloud's own gcsblob would bring
// Google's client libraries and grow the binary by about half.
//
// A URL is gs://BUCKET[/PREFIX][?region=REGION]: the objects go under
// PREFIX/ in BUCKET; the signing region defaults to "auto". The HMAC key
// (Cloud Storage → Settings → Interoperability, for a service account with
// access to the bucket) comes from GOOGLE_HMAC_ACCESS_ID and
// GOOGLE_HMAC_SECRET, or else from AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY; no other AWS configuration is read.
package gsblob

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"
)

// Endpoint is the XML API's endpoint. Tests point it at an S3 server on
// loopback; no URL, flag or environment variable changes it.
var Endpoint = "https://storage.googleapis.com"

// bucketName is what Cloud Storage accepts as a bucket name (3 to 222
// lowercase letters, digits, '-', '_' and '.', starting and ending with a
// letter or digit).
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)

// Open opens the bucket of the gs:// URL u, with the objects under its
// path's prefix. Errors name the URL and, for a missing key, what to set.
func Open(ctx context.Context, u *url.URL) (*blob.Bucket, error) {
	shown := (&url.URL{Scheme: "gs", Host: u.Host, Path: u.Path}).String()
	if u.Scheme != "gs" {
		return nil, fmt.Errorf("%s is not a gs:// URL", shown)
	}
	if !bucketName.MatchString(u.Host) {
		return nil, fmt.Errorf("%s: a gs:// URL needs a bucket name (gs://bucket/prefix): 3 to 222 lowercase letters, digits, '-', '_' or '.'", shown)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s: put no key in the URL; set GOOGLE_HMAC_ACCESS_ID and GOOGLE_HMAC_SECRET", shown)
	}
	region := "auto"
	for k, v := range u.Query() {
		if k != "region" || len(v) != 1 || v[0] == "" {
			return nil, fmt.Errorf("%s: unknown query parameter %q (a gs:// URL takes only region=)", shown, k)
		}
		region = v[0]
	}
	id, secret, err := hmacKey()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		// Cloud Storage's XML API knows no x-amz-checksum-* trailers: only
		// the checksums a request requires.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		Retryer:                    func() aws.Retryer { return retry.NewStandard() },
	}
	endpoint := Endpoint
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
	b, err := s3blob.OpenBucket(ctx, client, u.Host, &s3blob.Options{RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	if prefix := strings.Trim(u.Path, "/"); prefix != "" {
		b = blob.PrefixedBucket(b, prefix+"/")
	}
	return b, nil
}

// hmacKey returns the HMAC key from the environment.
func hmacKey() (id, secret string, err error) {
	id, secret = os.Getenv("GOOGLE_HMAC_ACCESS_ID"), os.Getenv("GOOGLE_HMAC_SECRET")
	switch {
	case id != "" && secret != "":
		return id, secret, nil
	case id != "" || secret != "":
		return "", "", fmt.Errorf("GOOGLE_HMAC_ACCESS_ID and GOOGLE_HMAC_SECRET must be set together (an HMAC key of Cloud Storage)")
	}
	id, secret = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id != "" && secret != "" {
		return id, secret, nil
	}
	return "", "", fmt.Errorf("no HMAC key for Cloud Storage: set GOOGLE_HMAC_ACCESS_ID and GOOGLE_HMAC_SECRET (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to an HMAC key of a service account that can use the bucket (Cloud Storage → Settings → Interoperability)")
}
