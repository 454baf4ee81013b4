//go:build !amd64 || purego

package tensor

func init() { active = genericConfig; tuneFromEnv() }

// availableConfigs lists the kernel configurations this build can run.
func availableConfigs() []gemmConfig { return []gemmConfig{genericConfig} }
