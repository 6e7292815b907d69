/**
 * The EBS backend's public surface, for cli/ (the composition root) and the node agent.
 *
 * @example
 * const ec2 = createEc2Client({ region: "us-east-1", endpoint: process.env.SWARMVOL_EC2_ENDPOINT });
 * const cloud = new EbsCloud(ec2, systemClock, logger);
 */
export { createEc2Client, type Ec2ClientOptions } from "./client.js";
export { EbsCloud, createToken, type EbsCloudOptions } from "./ebsCloud.js";
export { Ec2CallCounter, defaultRetryPolicy, type Ec2Api, type RetryPolicy } from "./ec2Api.js";
export { DeviceAllocator, defaultDeviceNames, type DeviceAllocatorOptions } from "./deviceAllocator.js";
export { EbsDeviceLocator, nodeDeviceFs, nvmeLinkName, checkSerial, type DeviceFs, type DeviceLocatorOptions } from "./deviceLocator.js";
export { buildEbsSpec, ebsDefinition, ebsBackendName, ebsOptions, parseEbsOptions, typeLimits, type EbsVolumeOptions, type EbsVolumeType } from "./options.js";
export { mapEc2Error, isRetryableEc2Error } from "./errors.js";
export { defaultPollPolicy, type PollPolicy } from "./waiters.js";
