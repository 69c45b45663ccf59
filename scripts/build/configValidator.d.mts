export declare const VALIDATOR_FILE: URL;
export declare function configValidatorSource(): string;
export declare function writeConfigValidator(): void;
